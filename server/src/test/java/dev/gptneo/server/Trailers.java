package dev.gptneo.server;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;

/**
 * The size a failed call's trailers take on an HTTP/2 connection, as grpc-java counts it against
 * its 8 KiB default limit: each header's name and value plus 32 bytes (RFC 7541's entry size),
 * grpc-message percent-encoded, binary headers base64-encoded.
 */
final class Trailers {

    /** grpc-java's default maximum metadata size (NettyChannelBuilder.maxInboundMetadataSize). */
    static final int GRPC_JAVA_LIMIT = 8192;

    private static final int ENTRY_OVERHEAD = 32;

    private Trailers() {
    }

    static int size(StatusRuntimeException e) {
        Status status = e.getStatus();
        int size = entry("grpc-status", String.valueOf(status.getCode().value()).length());
        if (status.getDescription() != null) {
            size += entry("grpc-message", percentEncodedLength(status.getDescription()));
        }
        Metadata trailers = e.getTrailers();
        if (trailers == null) {
            return size;
        }
        for (String name : trailers.keys()) {
            if (name.equals("grpc-status") || name.equals("grpc-message")) {
                continue; // counted above, from the status (some transports leave them in the trailers too)
            }
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                for (byte[] value : trailers.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER))) {
                    size += entry(name, (value.length + 2) / 3 * 4);
                }
            } else {
                for (String value : trailers.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
                    size += entry(name, value.length());
                }
            }
        }
        return size;
    }

    private static int entry(String name, int valueLength) {
        return name.length() + valueLength + ENTRY_OVERHEAD;
    }

    /** grpc's encoding of grpc-message: printable ASCII but '%' as is, every other UTF-8 byte as %XX. */
    private static int percentEncodedLength(String message) {
        int length = 0;
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            length += b >= ' ' && b < '~' + 1 && b != '%' ? 1 : 3;
        }
        return length;
    }
}
