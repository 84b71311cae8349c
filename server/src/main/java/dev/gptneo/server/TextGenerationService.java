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
import dev.gptneo.model.generate.GenerationParams.Violation;
import dev.gptneo.model.generate.InvalidRequestException;
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
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * The gptneo.v1.TextGeneration service. The model and engine are looked up per call (they load
 * after the server starts); until then, and once shutdown begins, calls get UNAVAILABLE.
 */
@Singleton
final class TextGenerationService extends TextGenerationGrpc.TextGenerationImplBase {

    private final ServingState state;
    private final Provider<LoadedModel> model;
    private final Provider<GenerationEngine> engine;
    private final ServerMetrics metrics;
    private final ServerConfig config;

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
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            RequestReader.Parsed parsed = RequestReader.read(request, model.get());
            StreamingCall call = new StreamingCall((ServerCallStreamObserver<GenerateResponse>) responses,
                    config.streamBuffer());
            call.start(engine.get(), parsed, new MeteringListener(call, metrics));
        });
    }

    @Override
    public void complete(GenerateRequest request, StreamObserver<CompleteResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            RequestReader.Parsed parsed = RequestReader.read(request, model.get());
            CompletionCollector collector = new CompletionCollector();
            GenerationHandle handle = engine.get().submit(parsed.promptIds(), parsed.params(),
                    new MeteringListener(collector, metrics));
            StreamCancellation.onCancel((ServerCallStreamObserver<CompleteResponse>) responses, handle::cancel);
            collector.result().whenComplete((completion, error) -> {
                if (error != null) {
                    responses.onError(GrpcErrors.toStatus(error));
                } else if (completion.reason() != StopReason.CANCELLED) {
                    responses.onNext(Responses.complete(completion));
                    responses.onCompleted();
                }
            });
        });
    }

    @Override
    public void tokenize(TokenizeRequest request, StreamObserver<TokenizeResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            Gpt2Tokenizer tokenizer = model.get().tokenizer();
            TokenizeResponse.Builder response = TokenizeResponse.newBuilder();
            for (int id : tokenizer.encode(request.getText())) {
                response.addIds(id).addTexts(tokenizer.decode(new int[] {id}));
            }
            responses.onNext(response.build());
            responses.onCompleted();
        });
    }

    @Override
    public void detokenize(DetokenizeRequest request, StreamObserver<DetokenizeResponse> responses) {
        answer(responses, () -> {
            state.checkServing();
            Gpt2Tokenizer tokenizer = model.get().tokenizer();
            int[] ids = request.getIdsList().stream().mapToInt(Integer::intValue).toArray();
            List<Violation> violations = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= tokenizer.vocabSize()) {
                    violations.add(new Violation("ids[" + i + "]", "token id " + ids[i]
                            + " is outside the vocabulary [0, " + tokenizer.vocabSize() + ")"));
                }
            }
            if (!violations.isEmpty()) {
                throw new InvalidRequestException(violations);
            }
            responses.onNext(DetokenizeResponse.newBuilder().setText(tokenizer.decode(ids)).build());
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

    /** Runs a call's body; whatever it throws becomes the call's status (never a raw stack trace). */
    private static void answer(StreamObserver<?> responses, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            responses.onError(GrpcErrors.toStatus(e));
        }
    }
}
