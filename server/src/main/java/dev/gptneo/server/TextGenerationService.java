package dev.gptneo.server;

import com.google.inject.Inject;
import com.google.inject.Provider;
import com.google.inject.Singleton;
import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.CompletionCollector;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.GenerationHandle;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.DetokenizeResponse;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.GetModelInfoRequest;
import dev.gptneo.proto.v1.Limits;
import dev.gptneo.proto.v1.ModelConfig;
import dev.gptneo.proto.v1.ModelInfo;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TokenizeRequest;
import dev.gptneo.proto.v1.TokenizeResponse;
import dev.gptneo.server.metrics.MeteringListener;
import dev.gptneo.server.metrics.ServerMetrics;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The gptneo.v1.TextGeneration service. The model and engine are looked up per call (they load
 * after the server starts); until then, and once shutdown begins, calls get UNAVAILABLE. Bound
 * with a line in the request log per call, and malformed bodies refused before they reach it.
 */
@Singleton
final class TextGenerationService implements TextGenerationGrpc.AsyncService, BindableService {

    private final ServingState state;
    private final Provider<LoadedModel> model;
    private final Provider<GenerationEngine> engine;
    private final ServerMetrics metrics;
    private final ServerConfig config;
    private final MalformedRequests malformed = new MalformedRequests();
    /** The request rules for the loaded model, made on first use (they scan its vocabulary once). */
    private volatile RequestReader reader;

    @Inject
    TextGenerationService(ServingState state, Provider<LoadedModel> model, Provider<GenerationEngine> engine,
            ServerMetrics metrics, ServerConfig config) {
        this.state = state;
        this.model = model;
        this.engine = engine;
        this.metrics = metrics;
        this.config = config;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return malformed.guard(ServerInterceptors.intercept(TextGenerationGrpc.bindService(this), new RequestLog(config.logPrompts())));
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            CallSummary summary = CallSummary.current();
            RequestReader.Parsed parsed = reader().read(request);
            summary.tokensIn(parsed.promptIds().length);
            summary.params(parsed.params());
            StreamingCall call = new StreamingCall((ServerCallStreamObserver<GenerateResponse>) responses,
                    config.streamBuffer());
            call.start(engine.get(), parsed, summary.counting(new MeteringListener(call, metrics)));
        });
    }

    @Override
    public void complete(GenerateRequest request, StreamObserver<CompleteResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            CallSummary summary = CallSummary.current();
            RequestReader.Parsed parsed = reader().read(request);
            summary.tokensIn(parsed.promptIds().length);
            summary.params(parsed.params());
            CompletionCollector collector = new CompletionCollector();
            GenerationHandle handle = engine.get().submit(parsed.promptIds(), parsed.params(),
                    summary.counting(new MeteringListener(collector, metrics)));
            StreamCancellation.onCancel((ServerCallStreamObserver<CompleteResponse>) responses, handle::cancel);
            collector.result().whenComplete((completion, error) -> {
                if (error != null) {
                    responses.onError(GrpcErrors.toStatus(error));
                } else if (completion.reason() != StopReason.CANCELLED) {
                    responses.onNext(Responses.complete(completion, parsed.params()));
                    responses.onCompleted();
                }
            });
        });
    }

    @Override
    public void tokenize(TokenizeRequest request, StreamObserver<TokenizeResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            String text = reader().tokenizeText(request);
            Gpt2Tokenizer tokenizer = model.get().tokenizer();
            TokenizeResponse.Builder response = TokenizeResponse.newBuilder();
            for (int id : tokenizer.encode(text)) {
                response.addIds(id).addTexts(tokenizer.decode(new int[] {id}));
            }
            CallSummary.current().tokensOut(response.getIdsCount());
            responses.onNext(response.build());
            responses.onCompleted();
        });
    }

    @Override
    public void detokenize(DetokenizeRequest request, StreamObserver<DetokenizeResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            int[] ids = reader().detokenizeIds(request);
            CallSummary.current().tokensIn(ids.length);
            responses.onNext(DetokenizeResponse.newBuilder().setText(model.get().tokenizer().decode(ids)).build());
            responses.onCompleted();
        });
    }

    @Override
    public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> responses) {
        answer(responses, () -> {
            state.checkServing();
            LoadedModel loaded = model.get();
            GptNeoConfig shape = loaded.model().config();
            responses.onNext(ModelInfo.newBuilder()
                    .setName(loaded.name())
                    .setBackend(loaded.model().backend().name())
                    .setDtype(loaded.model().weightFormat().userName())
                    .setConfig(ModelConfig.newBuilder()
                            .setVocabSize(shape.vocabSize())
                            .setMaxPositions(shape.maxPositions())
                            .setHiddenSize(shape.hidden())
                            .setNumLayers(shape.layers())
                            .setNumHeads(shape.heads())
                            .setWindowSize(shape.windowSize())
                            .setEosTokenId(shape.eosTokenId()))
                    .setLimits(Limits.newBuilder()
                            .setMaxConcurrent(config.maxConcurrent())
                            .setMaxQueued(config.maxQueued())
                            .setMaxBatchTokens(config.maxBatchTokens())
                            .setDefaultMaxNewTokens(GenerationParams.DEFAULT_MAX_NEW_TOKENS)
                            .setMaxTopLogprobs(GenerationParams.MAX_TOP_LOGPROBS)
                            .setMaxStopSequences(RequestReader.MAX_STOP_SEQUENCES)
                            .setMaxStopLength(RequestReader.MAX_STOP_LENGTH))
                    .build());
            responses.onCompleted();
        });
    }

    private RequestReader reader() {
        LoadedModel loaded = model.get();
        RequestReader current = reader;
        if (current == null || current.model() != loaded) {
            current = new RequestReader(loaded);
            reader = current;
        }
        return current;
    }

    /** Runs a call's body; whatever it throws becomes the call's status (never a raw stack trace). */
    private static void answer(StreamObserver<?> responses, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            responses.onError(GrpcErrors.toStatus(e));
        }
    }
}
