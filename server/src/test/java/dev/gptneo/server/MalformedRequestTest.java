package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TokenizeRequest;
import dev.gptneo.proto.v1.TokenizeResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.BlockingClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies that are not valid protobuf: INVALID_ARGUMENT with a one-line reason, counted in
 * the request metric, and no stack trace in the log.
 */
class MalformedRequestTest {

    /** A string field holding 0xC3 0x28, which is not UTF-8. */
    private static final byte[] INVALID_UTF8 = {(byte) 0xC3, 0x28};

    @RegisterExtension
    static final ServingServer test = new ServingServer();

    static Stream<Arguments> malformedBodies() {
        return Stream.of(
                Arguments.of("invalid UTF-8 in prompt_text", TextGenerationGrpc.getGenerateMethod(),
                        field(1, INVALID_UTF8), "GenerateRequest"),
                Arguments.of("invalid UTF-8 in a stop string", TextGenerationGrpc.getCompleteMethod(),
                        field(4, field(3, INVALID_UTF8)), "GenerateRequest"),
                Arguments.of("invalid UTF-8 in request_id", TextGenerationGrpc.getGenerateMethod(),
                        field(6, INVALID_UTF8), "GenerateRequest"),
                Arguments.of("invalid UTF-8 in Tokenize.text", TextGenerationGrpc.getTokenizeMethod(),
                        field(1, INVALID_UTF8), "TokenizeRequest"),
                Arguments.of("a truncated prompt", TextGenerationGrpc.getCompleteMethod(),
                        new byte[] {0x0A, 0x09, 'h', 'e', 'l'}, "GenerateRequest"),
                Arguments.of("truncated packed ids", TextGenerationGrpc.getDetokenizeMethod(),
                        new byte[] {0x0A, 0x03, (byte) 0x81, (byte) 0x80}, "DetokenizeRequest"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void isInvalidArgumentWithAOneLineReason(String name, MethodDescriptor<?, ?> method, byte[] body, String type) {
        Status status = sendRaw(method, body).getStatus();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
        assertTrue(status.getDescription().startsWith("request body is not a valid " + type + ": "),
                status.getDescription());
        assertFalse(status.getDescription().contains("\n"), status.getDescription());
    }

    @Test
    void aThousandOfThemAreCountedAndLogAtMostOneShortLine() {
        // Nine bytes: a prompt_text of seven bytes, two of them not UTF-8.
        byte[] nineBytes = field(1, new byte[] {'a', 'b', 'c', (byte) 0xFF, (byte) 0xFE, 'd', 'e'});
        assertEquals(9, nineBytes.length);
        long before = requestsEnded("Generate", Status.Code.INVALID_ARGUMENT);
        List<LogRecord> logged;
        try (CapturedLog log = CapturedLog.of("")) {
            for (int i = 0; i < 1000; i++) {
                assertEquals(Status.Code.INVALID_ARGUMENT,
                        sendRaw(TextGenerationGrpc.getGenerateMethod(), nineBytes).getStatus().getCode());
            }
            logged = log.records();
        }
        assertTrue(logged.size() <= 1, logged.size() + " log records");
        for (LogRecord record : logged) {
            assertEquals(null, record.getThrown());
            assertTrue(record.getMessage().length() < 300, record.getMessage());
        }
        assertEquals(before + 1000, requestsEnded("Generate", Status.Code.INVALID_ARGUMENT));
        // The server is none the worse for them.
        assertEquals(2, test.stub().complete(Requests.greedy(2, 1)).getUsage().getGeneratedTokens());
    }

    @Test
    void theGuardedServiceStillDescribesItselfToReflection() throws Exception {
        BlockingClientCall<ServerReflectionRequest, ServerReflectionResponse> call =
                ServerReflectionGrpc.newBlockingV2Stub(test.channel()).serverReflectionInfo();
        call.write(ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("gptneo.v1.TextGeneration.Generate").build());
        call.halfClose();
        assertTrue(call.read(10, TimeUnit.SECONDS).getFileDescriptorResponse().getFileDescriptorProtoCount() > 0);
    }

    @Test
    void interceptorsInFrontStillSeeTheServicesRequestType() throws Exception {
        List<Object> seen = Collections.synchronizedList(new ArrayList<>());
        ServerInterceptor watcher = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onMessage(Q message) {
                        seen.add(message);
                        super.onMessage(message);
                    }
                };
            }
        };
        TextGenerationGrpc.AsyncService echo = new TextGenerationGrpc.AsyncService() {
            @Override
            public void tokenize(TokenizeRequest request, StreamObserver<TokenizeResponse> responses) {
                responses.onNext(TokenizeResponse.newBuilder().addTexts(request.getText()).build());
                responses.onCompleted();
            }
        };
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(new MalformedRequests().guard(TextGenerationGrpc.bindService(echo)),
                        watcher))
                .build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try {
            assertEquals(List.of("hi"), TextGenerationGrpc.newBlockingStub(channel)
                    .tokenize(TokenizeRequest.newBuilder().setText("hi").build()).getTextsList());
            assertEquals(Status.Code.INVALID_ARGUMENT, sendRaw(channel, TextGenerationGrpc.getTokenizeMethod(),
                    field(1, INVALID_UTF8)).getStatus().getCode());
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
        // The malformed body reached them as an empty request.
        assertEquals(List.of(TokenizeRequest.newBuilder().setText("hi").build(), TokenizeRequest.getDefaultInstance()),
                seen);
    }

    /** Sends {@code body} as the request of {@code method}, bypassing the client's own encoding. */
    private static StatusRuntimeException sendRaw(MethodDescriptor<?, ?> method, byte[] body) {
        return sendRaw(test.channel(), method, body);
    }

    private static StatusRuntimeException sendRaw(Channel channel, MethodDescriptor<?, ?> method, byte[] body) {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(RAW, RAW).build();
        return assertThrows(StatusRuntimeException.class, () -> {
            Iterator<byte[]> responses = ClientCalls.blockingServerStreamingCall(channel, raw,
                    CallOptions.DEFAULT, body);
            while (responses.hasNext()) {
                responses.next();
            }
        });
    }

    private static long requestsEnded(String method, Status.Code code) {
        return (long) test.metrics().value("gptneo_requests_total", Map.of("method", method, "code", code.name()));
    }

    /** A length-delimited protobuf field (wire type 2) of fewer than 128 bytes. */
    private static byte[] field(int number, byte[] value) {
        byte[] out = new byte[value.length + 2];
        out[0] = (byte) (number << 3 | 2);
        out[1] = (byte) value.length;
        System.arraycopy(value, 0, out, 2, value.length);
        return out;
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
