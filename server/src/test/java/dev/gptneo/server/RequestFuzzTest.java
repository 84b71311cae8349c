package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TokenIds;
import dev.gptneo.proto.v1.TokenizeRequest;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded random and hostile requests against the request rules: each one is either accepted (and
 * then fits the model) or refused with INVALID_ARGUMENT, a bounded message and small trailers;
 * nothing else is thrown. Raw bodies, valid ones corrupted, go through the malformed-body guard
 * first. A failure names the seed and case, to replay it.
 */
class RequestFuzzTest {

    private static final long SEED = 0x5EED_15L;
    private static final int CASES = 3000;
    private static final int TRAILER_BUDGET = Trailers.GRPC_JAVA_LIMIT * 3 / 4;

    @RegisterExtension
    static final ServingServer test = new ServingServer();

    private static LoadedModel model;
    private static RequestReader reader;
    private final Random random = new Random(SEED);

    @BeforeAll
    static void readRules() {
        model = test.instance(LoadedModel.class);
        reader = new RequestReader(model);
    }

    @Test
    void generateRequestsAreAcceptedOrRefusedCleanly() {
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            GenerateRequest request = generateRequest();
            accepted += check(i, request, () -> {
                RequestReader.Parsed parsed = reader.read(request);
                assertTrue(parsed.promptIds().length + parsed.params().maxNewTokens()
                        <= model.model().config().maxPositions());
            });
        }
        assertMixed(accepted);
    }

    @Test
    void tokenizeAndDetokenizeRequestsAreAcceptedOrRefusedCleanly() {
        int tokenized = 0;
        int detokenized = 0;
        for (int i = 0; i < CASES; i++) {
            TokenizeRequest tokenize = TokenizeRequest.newBuilder().setText(text(sometimes(4) ? 20_000 : 300)).build();
            tokenized += check(i, tokenize, () -> model.tokenizer().encode(reader.tokenizeText(tokenize)));
            DetokenizeRequest detokenize = DetokenizeRequest.newBuilder().addAllIds(ids()).build();
            detokenized += check(i, detokenize, () -> model.tokenizer().decode(reader.detokenizeIds(detokenize)));
        }
        assertMixed(tokenized);
        assertMixed(detokenized);
    }

    @Test
    void corruptedBodiesParseOrAreRefusedWithAOneLineReason() {
        MalformedRequests guard = new MalformedRequests();
        MethodDescriptor<?, ?> complete = guard
                .guard(TextGenerationGrpc.bindService(new TextGenerationGrpc.AsyncService() { }))
                .getMethod(TextGenerationGrpc.getCompleteMethod().getFullMethodName()).getMethodDescriptor();
        int parsed = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] body = corrupt(generateRequest().toByteArray());
            GenerateRequest request = (GenerateRequest) complete.parseRequest(new ByteArrayInputStream(body));
            String reason = guard.malformedReason(request);
            if (reason != null) {
                assertTrue(reason.startsWith("request body is not a valid GenerateRequest: ")
                        && !reason.contains("\n") && reason.length() <= 200, "seed " + SEED + " case " + i + ": "
                        + reason);
            } else {
                check(i, request, () -> reader.read(request));
                parsed++;
            }
        }
        assertMixed(parsed);
    }

    /** The cases are worth something only when both outcomes happen, each often. */
    private static void assertMixed(int passed) {
        assertTrue(passed > CASES / 20 && passed < CASES - CASES / 20, passed + " of " + CASES + " passed");
    }

    /**
     * Runs one case: it may pass, or fail as a client would see it, within bounds.
     *
     * @return 1 if it passed, 0 if it was refused
     */
    private static int check(int index, Message request, Runnable validate) {
        String which = "seed " + SEED + " case " + index + " (" + request.getClass().getSimpleName() + ")";
        try {
            validate.run();
            return 1;
        } catch (InvalidRequestException e) {
            StatusRuntimeException status = GrpcErrors.toStatus(e);
            assertEquals(Status.Code.INVALID_ARGUMENT, status.getStatus().getCode(), which);
            String message = status.getStatus().getDescription();
            assertTrue(BoundedText.utf8Length(message) <= GrpcErrors.MESSAGE_BYTES, which + ": " + message);
            assertFalse(message.contains("\n"), which + ": " + message);
            assertTrue(Trailers.size(status) < TRAILER_BUDGET, which + ": trailers of " + Trailers.size(status));
            return 0;
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError(which + ": " + e, e);
        }
    }

    private GenerateRequest generateRequest() {
        GenerateRequest.Builder request = GenerateRequest.newBuilder();
        switch (random.nextInt(4)) {
            case 0 -> request.setPromptText(text(sometimes(50) ? 40_000 : 200));
            case 1, 2 -> request.setPromptIds(TokenIds.newBuilder().addAllIds(ids()));
            default -> { }
        }
        if (sometimes(2)) {
            SamplingParams.Builder sampling = SamplingParams.newBuilder()
                    .setDecodingValue(pick(0, 1, 2, 2, 3, 99, -1, random.nextInt()));
            if (sometimes(2)) {
                sampling.setTemperature(number());
            }
            if (sometimes(2)) {
                sampling.setTopK(integer());
            }
            if (sometimes(2)) {
                sampling.setTopP(number());
            }
            if (sometimes(2)) {
                sampling.setRepetitionPenalty(number());
            }
            if (sometimes(2)) {
                sampling.setSeed(random.nextLong());
            }
            request.setSampling(sampling);
        }
        if (sometimes(2)) {
            StoppingCriteria.Builder stopping = StoppingCriteria.newBuilder()
                    .setMinNewTokens(sometimes(2) ? 0 : integer()).setIgnoreEos(random.nextBoolean());
            if (sometimes(4)) {
                stopping.setMaxNewTokens(integer());
            } else {
                stopping.setMaxNewTokens(1 + random.nextInt(8)); // short, so the valid ones stay cheap
            }
            int stops = sometimes(20) ? random.nextInt(200) : random.nextInt(4);
            for (int s = 0; s < stops; s++) {
                stopping.addStop(text(sometimes(10) ? 2000 : 20));
            }
            request.setStopping(stopping);
        }
        if (sometimes(4)) {
            request.setTopLogprobs(integer());
        }
        if (sometimes(3)) {
            request.setRequestId(sometimes(2) ? text(200) : "req-" + random.nextInt(1000));
        }
        return request.build();
    }

    /** Up to {@code maxChars} characters: ASCII, controls, any BMP character, lone surrogates, emoji, special-token text. */
    private String text(int maxChars) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(maxChars + 1);
        while (text.length() < length) {
            switch (random.nextInt(7)) {
                case 0 -> text.append((char) (' ' + random.nextInt(95)));
                case 1 -> text.append((char) random.nextInt(32));
                case 2 -> text.append((char) random.nextInt(0x10000));
                case 3 -> text.append((char) (0xD800 + random.nextInt(0x800)));
                case 4 -> text.appendCodePoint(0x1F600 + random.nextInt(80));
                case 5 -> text.append("<|endoftext|>");
                default -> text.append(" hello");
            }
        }
        return text.toString();
    }

    private List<Integer> ids() {
        int vocab = model.tokenizer().vocabSize();
        int count = sometimes(50) ? random.nextInt(20_000) : random.nextInt(150);
        Integer[] ids = new Integer[count];
        boolean allValid = random.nextBoolean();
        for (int i = 0; i < count; i++) {
            ids[i] = allValid ? random.nextInt(vocab)
                    : pick(random.nextInt(vocab), -1, vocab, vocab - 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0);
        }
        return Arrays.asList(ids);
    }

    private int integer() {
        return pick(0, 1, -1, 20, 21, 127, 128, Integer.MIN_VALUE, Integer.MAX_VALUE, random.nextInt());
    }

    private double number() {
        double[] edges = {0, -0.0, 1, 0.5, 1.5, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE, Double.MAX_VALUE, random.nextGaussian() * 10};
        return edges[random.nextInt(edges.length)];
    }

    /** Flips, drops or inserts a few bytes, or cuts the body short. */
    private byte[] corrupt(byte[] body) {
        byte[] out = body.clone();
        if (out.length == 0 || sometimes(4)) {
            out = Arrays.copyOf(out, out.length + 1 + random.nextInt(4));
            for (int i = body.length; i < out.length; i++) {
                out[i] = (byte) random.nextInt(256);
            }
        }
        if (sometimes(3)) {
            out = Arrays.copyOf(out, random.nextInt(out.length));
        }
        for (int flips = random.nextInt(4); flips > 0 && out.length > 0; flips--) {
            out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
        return out;
    }

    private int pick(int... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private boolean sometimes(int oneIn) {
        return random.nextInt(oneIn) == 0;
    }
}
