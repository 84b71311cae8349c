package dev.gptneo.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes pickle opcodes byte by byte as CPython's {@code pickle.py} documents them, for tests that
 * need pickles torch.save would not write: hostile globals, other opcodes, broken views.
 */
final class PickleWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** PROTO 2, as torch.save writes by default. */
    static PickleWriter protocol2() {
        return new PickleWriter().op(0x80).op(2);
    }

    PickleWriter op(int code) {
        out.write(code);
        return this;
    }

    /** GLOBAL 'module\nname\n'. */
    PickleWriter global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** BINUNICODE: a 4-byte little-endian length, then UTF-8. */
    PickleWriter string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
        out.writeBytes(utf8);
        return this;
    }

    /** BININT: 4 bytes, signed, little-endian. */
    PickleWriter integer(int value) {
        op('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
        return this;
    }

    PickleWriter mark() {
        return op('(');
    }

    PickleWriter tuple() {
        return op('t');
    }

    PickleWriter reduce() {
        return op('R');
    }

    /** collections.OrderedDict() on the stack, as torch.save writes an empty one. */
    PickleWriter orderedDict() {
        return global("collections", "OrderedDict").op(')').reduce();
    }

    /**
     * {@code _rebuild_tensor_v2(('storage', torch.<storageClass>, key, 'cpu', numel), offset,
     * size, stride, False, OrderedDict())}, as torch.save writes a tensor.
     */
    PickleWriter tensor(String storageClass, String key, int numel, int offset, int[] size, int[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().string("storage").global("torch", storageClass).string(key).string("cpu").integer(numel).tuple().op('Q');
        integer(offset).mark();
        for (int s : size) {
            integer(s);
        }
        tuple().mark();
        for (int s : stride) {
            integer(s);
        }
        return tuple().op(0x89).orderedDict().tuple().reduce();
    }

    /** A pickle of {@code OrderedDict([(name, <tensor written by body>)])}. */
    static byte[] stateDict(String name, java.util.function.Consumer<PickleWriter> value) {
        PickleWriter p = protocol2().orderedDict().string(name);
        value.accept(p);
        return p.op('s').op('.').bytes();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
