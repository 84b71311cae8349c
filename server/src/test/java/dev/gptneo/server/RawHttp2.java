package dev.gptneo.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A bare HTTP/2 client connection, frames written and read by hand: to see what a gRPC client
 * library hides (the server's SETTINGS, its GOAWAY) and to send what none would (a reset flood).
 * Like any client's transport, it acknowledges the server's SETTINGS and answers its PINGs.
 */
final class RawHttp2 implements AutoCloseable {

    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
    static final int ENHANCE_YOUR_CALM = 0xb;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;
    private static final int CANCEL = 0x8;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame: its type, flags, stream id and payload. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** A GOAWAY's error code. */
        int goAwayError() {
            return ByteBuffer.wrap(payload, 4, 4).getInt();
        }

        /** A GOAWAY's debug data, as text. */
        String goAwayDebug() {
            return new String(payload, 8, payload.length - 8, StandardCharsets.US_ASCII);
        }

        /** A SETTINGS frame's parameters. */
        Map<Integer, Long> settings() {
            Map<Integer, Long> values = new HashMap<>();
            ByteBuffer b = ByteBuffer.wrap(payload);
            while (b.remaining() >= 6) {
                values.put(b.getShort() & 0xffff, b.getInt() & 0xffffffffL);
            }
            return values;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** Connects and sends the client preface and empty SETTINGS. */
    RawHttp2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        out.write(PREFACE);
        write(SETTINGS, 0, 0, new byte[0]);
    }

    /** Opens a Generate stream on {@code stream} (odd, rising): its headers, and no request message yet. */
    void openCall(int stream) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", "POST");
        literal(block, ":scheme", "http");
        literal(block, ":path", "/gptneo.v1.TextGeneration/Generate");
        literal(block, ":authority", "127.0.0.1");
        literal(block, "content-type", "application/grpc");
        literal(block, "te", "trailers");
        write(HEADERS, END_HEADERS, stream, block.toByteArray());
    }

    /** Resets {@code stream} with CANCEL, as a client does when it cancels a call. */
    void reset(int stream) throws IOException {
        write(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(CANCEL).array());
    }

    void flush() throws IOException {
        out.flush();
    }

    /**
     * Reads frames until one of {@code type} arrives and returns it; null if the server closes
     * the connection first. Fails after {@code within}.
     */
    Frame await(int type, Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            Frame frame;
            do {
                frame = next(deadline);
            } while (frame != null && frame.type() != type);
            return frame;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame of type " + type + " within " + within, e);
        }
    }

    /** Whether the server closes the connection (or resets it) within {@code within}, whatever it sends first. */
    boolean closedWithin(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (next(deadline) != null) {
                // frames before the end
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset by the server
        }
    }

    private Frame next(long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException();
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        return read();
    }

    /** The next frame, or null at the end of the connection; SETTINGS and PINGs are acknowledged on the way. */
    private Frame read() throws IOException {
        int length;
        try {
            length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        } catch (EOFException e) {
            return null;
        }
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if ((type == SETTINGS || type == PING) && (flags & ACK) == 0) {
            write(type, ACK, 0, type == PING ? payload : new byte[0]);
            out.flush();
        }
        return new Frame(type, flags, stream, payload);
    }

    private void write(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(9);
        header.put((byte) (payload.length >>> 16)).putShort((short) payload.length).put((byte) type).put((byte) flags)
                .putInt(stream);
        out.write(header.array());
        out.write(payload);
    }

    /** HPACK: a literal header field without indexing, new name, no Huffman coding (RFC 7541, 6.2.2). */
    private static void literal(ByteArrayOutputStream block, String name, String value) {
        block.write(0);
        for (String s : new String[] {name, value}) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            block.write(bytes.length); // all shorter than 127: a one-byte length
            block.writeBytes(bytes);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
