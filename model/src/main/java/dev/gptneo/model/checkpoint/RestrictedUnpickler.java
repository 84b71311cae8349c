package dev.gptneo.model.checkpoint;

import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the pickle of a {@code torch.save} archive ({@code data.pkl}) without running any of it:
 * a small pickle machine for the opcodes of protocols 2 to 5 that a saved state dict uses, which
 * builds only data (None, bools, ints, floats, strings, bytes, lists, tuples, dicts) and
 * {@link TorchTensor}s. This is the check torch's own {@code weights_only=True} makes: a pickle
 * can name any Python function as a global and call it ({@code os.system} through
 * {@code __reduce__} is the classic payload), so every global is checked against an allow-list
 * the moment it is read, and the only calls made are the few that rebuild a tensor, a parameter
 * or an {@code OrderedDict}, implemented here. Nothing is ever looked up by reflection.
 *
 * <p>The allowed globals: {@code torch._utils._rebuild_tensor_v2}, {@code
 * torch._utils._rebuild_parameter}, {@code collections.OrderedDict} and the typed storages
 * ({@link TorchStorageType}). Storages are persistent ids {@code ('storage', type, key,
 * location, numel)}. Any other opcode is refused by name.
 *
 * <p>Bounded whatever the input: a value is only pushed by an opcode of at least one byte, a
 * string's or bytes' length is checked against the bytes left before anything is allocated, and
 * the stack, the memo, the containers made and the nesting of marks each have a limit (a real
 * state dict needs a few per tensor), so a hostile pickle costs at most a small multiple of its
 * size in memory, and one pass in time.
 */
final class RestrictedUnpickler {

    static final int MAX_STACK = 1 << 20;
    static final int MAX_MEMO = 1 << 20;
    static final int MAX_CONTAINERS = 1 << 20;
    static final int MAX_HELD = 1 << 22;
    static final int MAX_MARKS = 256;
    /** More dimensions than any tensor torch makes (it allows 64). */
    static final int MAX_RANK = 64;

    /** The calls a pickle may make, each implemented here. */
    private enum Callable {
        REBUILD_TENSOR("torch._utils._rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        ORDERED_DICT("collections.OrderedDict");

        final String global;

        Callable(String global) {
            this.global = global;
        }
    }

    /** A Python tuple (a list is an {@link ArrayList}, a dict a {@link LinkedHashMap}). */
    private record Tuple(List<Object> items) {
    }

    private static final Tuple EMPTY_TUPLE = new Tuple(List.of());

    private static final Map<String, Object> ALLOWED = new HashMap<>();

    static {
        for (Callable c : Callable.values()) {
            ALLOWED.put(c.global, c);
        }
        for (TorchStorageType t : TorchStorageType.values()) {
            ALLOWED.put(t.global(), t);
        }
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_BIG = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final String source;
    private final MemorySegment pickle;
    private final List<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARKS];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, TorchStorage> storages = new HashMap<>();
    private long at;
    private int containers;
    private long held;

    private RestrictedUnpickler(String source, MemorySegment pickle) {
        this.source = source;
        this.pickle = pickle;
    }

    /**
     * The object {@code pickle} holds.
     *
     * @param source the file and record, for messages
     * @throws CheckpointException naming {@code source}: a refused global or opcode, or a pickle that is malformed
     */
    static Object load(String source, MemorySegment pickle) {
        return new RestrictedUnpickler(source, pickle).run();
    }

    /** A short description of {@code value}'s kind, for messages (never its contents). */
    static String kind(Object value) {
        return switch (value) {
            case null -> "None";
            case Boolean _ -> "a bool";
            case Long _ -> "an int";
            case Double _ -> "a float";
            case String _ -> "a string";
            case byte[] _ -> "bytes";
            case ArrayList<?> _ -> "a list";
            case LinkedHashMap<?, ?> _ -> "a dict";
            case Tuple t -> "a tuple of " + t.items().size();
            case TorchTensor _ -> "a tensor";
            case TorchStorage _ -> "a storage";
            case TorchStorageType t -> "the global " + t.global();
            case Callable c -> "the global " + c.global;
            default -> value.getClass().getSimpleName();
        };
    }

    private Object run() {
        while (true) {
            long opAt = at;
            int code = u8();
            PickleOp op = PickleOp.of(code);
            if (op == null) {
                throw malformed("byte 0x" + Integer.toHexString(code) + " at byte " + opAt + " is not a pickle opcode");
            }
            switch (op) {
                case PROTO -> {
                    int protocol = u8();
                    if (protocol > 5) {
                        throw malformed("pickle protocol " + protocol + " is newer than any Python writes (5)");
                    }
                }
                case FRAME -> bytesLeft(i64());
                case STOP -> {
                    Object result = pop();
                    if (stack.size() != 0 || markCount != 0) {
                        throw malformed("STOP at byte " + opAt + " leaves values on the stack");
                    }
                    return result;
                }
                case GLOBAL -> push(global(line() + "." + line()));
                case STACK_GLOBAL -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw malformed("STACK_GLOBAL at byte " + opAt + " takes two strings, not "
                                + kind(module) + " and " + kind(name));
                    }
                    push(global(m + "." + n));
                }
                case BINPUT -> put(u8());
                case LONG_BINPUT -> put(Integer.toUnsignedLong(i32()));
                case MEMOIZE -> put(memo.size());
                case BINGET -> push(get(u8()));
                case LONG_BINGET -> push(get(Integer.toUnsignedLong(i32())));
                case MARK -> {
                    if (markCount == MAX_MARKS) {
                        throw malformed("marks nested more than " + MAX_MARKS + " deep");
                    }
                    marks[markCount++] = stack.size();
                }
                case EMPTY_DICT -> push(container(new LinkedHashMap<>()));
                case EMPTY_LIST -> push(container(new ArrayList<>()));
                case EMPTY_TUPLE -> push(EMPTY_TUPLE);
                case TUPLE -> push(container(new Tuple(popMark())));
                case TUPLE1 -> push(container(new Tuple(popItems(1))));
                case TUPLE2 -> push(container(new Tuple(popItems(2))));
                case TUPLE3 -> push(container(new Tuple(popItems(3))));
                case BININT -> push((long) i32());
                case BININT1 -> push((long) u8());
                case BININT2 -> push((long) u16());
                case LONG1 -> push(long1());
                case BINFLOAT -> push(f64());
                case NONE -> push(null);
                case NEWTRUE -> push(Boolean.TRUE);
                case NEWFALSE -> push(Boolean.FALSE);
                case SHORT_BINUNICODE -> push(utf8(u8()));
                case BINUNICODE -> push(utf8(Integer.toUnsignedLong(i32())));
                case BINUNICODE8 -> push(utf8(i64()));
                case SHORT_BINSTRING -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                case BINSTRING -> push(new String(bytes(i32()), StandardCharsets.ISO_8859_1));
                case BINBYTES -> push(bytes(Integer.toUnsignedLong(i32())));
                case BINPERSID -> push(storage(pop()));
                case REDUCE -> {
                    Object args = pop();
                    push(call(pop(), args));
                }
                case BUILD -> build(pop(), top());
                case SETITEM -> setItems(popItems(2));
                case SETITEMS -> setItems(popMark());
                case APPEND -> append(popItems(1));
                case APPENDS -> append(popMark());
                default -> throw malformed("opcode " + op + " at byte " + opAt
                        + " is not one torch.save writes for a state dict; refusing it");
            }
        }
    }

    /** The allowed value a global names; any other global is refused before anything else happens. */
    private Object global(String name) {
        Object value = ALLOWED.get(name);
        if (value == null) {
            throw new CheckpointException(source + " uses the global " + printable(name)
                    + ", which a weights file never needs; refusing to load it (no code from a model file is ever run)");
        }
        return value;
    }

    /** The one call REDUCE may make: rebuild a tensor, a parameter (its tensor) or an empty OrderedDict. */
    private Object call(Object callable, Object args) {
        if (!(callable instanceof Callable c)) {
            throw malformed("REDUCE calls " + kind(callable) + ", which torch.save never calls");
        }
        List<Object> a = tuple(args, c.global);
        return switch (c) {
            case ORDERED_DICT -> {
                if (!a.isEmpty()) {
                    throw malformed(c.global + " takes no arguments here, not " + a.size());
                }
                yield container(new LinkedHashMap<>());
            }
            case REBUILD_PARAMETER -> {
                arity(c, a, 3, 3);
                take(a.get(1), Boolean.class, c, "requires_grad");
                noHooks(a.get(2), c);
                yield take(a.get(0), TorchTensor.class, c, "data");
            }
            case REBUILD_TENSOR -> {
                arity(c, a, 6, 7);
                take(a.get(4), Boolean.class, c, "requires_grad");
                noHooks(a.get(5), c);
                if (a.size() == 7 && a.get(6) != null) {
                    take(a.get(6), LinkedHashMap.class, c, "metadata");
                }
                yield container(tensor(take(a.get(0), TorchStorage.class, c, "storage"),
                        take(a.get(1), Long.class, c, "storage_offset"),
                        dims(a.get(2), "size"), dims(a.get(3), "stride")));
            }
        };
    }

    /** A view checked to lie within its storage: every element it reaches is one of the storage's. */
    private TorchTensor tensor(TorchStorage storage, long offset, long[] size, long[] stride) {
        if (size.length != stride.length) {
            throw malformed("a tensor of " + size.length + " dimensions has " + stride.length + " strides");
        }
        try {
            long elements = 1;
            long last = offset;
            for (int i = 0; i < size.length; i++) {
                elements = Math.multiplyExact(elements, size[i]);
                last = Math.addExact(last, Math.multiplyExact(Math.max(size[i] - 1, 0), stride[i]));
            }
            if (offset < 0 || (elements > 0 ? last >= storage.numel() : offset > storage.numel())) {
                throw malformed("a tensor of size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride)
                        + " at offset " + offset + " reaches past the end of storage " + JsonSource.quote(storage.key())
                        + " of " + storage.numel() + " elements");
            }
        } catch (ArithmeticException e) {
            throw malformed("a tensor of size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride)
                    + " spans more elements than a file can hold");
        }
        return new TorchTensor(storage, offset, size, stride);
    }

    /** A persistent id {@code ('storage', type, key, location, numel)}: the same key, the same storage. */
    private TorchStorage storage(Object pid) {
        List<Object> id = tuple(pid, "a persistent id");
        if (id.size() != 5 || !"storage".equals(id.get(0)) || !(id.get(1) instanceof TorchStorageType type)
                || !(id.get(2) instanceof String key) || !(id.get(3) instanceof String)
                || !(id.get(4) instanceof Long numel) || numel < 0) {
            throw malformed("a persistent id is not ('storage', storage type, key, location, numel)");
        }
        TorchStorage storage = new TorchStorage(type, key, numel);
        TorchStorage before = storages.putIfAbsent(key, storage);
        if (before != null && !before.equals(storage)) {
            throw malformed("storage " + JsonSource.quote(key) + " is " + before.numel() + " " + before.type().dtypeName()
                    + " elements in one place and " + numel + " " + type.dtypeName() + " in another");
        }
        return before != null ? before : storage;
    }

    /** BUILD sets an object's attributes: only an OrderedDict's (a state dict's {@code _metadata}), which are dropped. */
    private void build(Object state, Object target) {
        if (!(target instanceof LinkedHashMap) || !(state instanceof LinkedHashMap)) {
            throw malformed("BUILD sets the state of " + kind(target) + " to " + kind(state)
                    + " (torch.save only sets an OrderedDict's attributes)");
        }
    }

    private void setItems(List<Object> items) {
        if (items.size() % 2 != 0 || !(top() instanceof LinkedHashMap<?, ?> map)) {
            throw malformed("SETITEM(S) on " + kind(top()) + " with " + items.size() + " values");
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> dict = (Map<Object, Object>) map;
        held(items.size() / 2);
        for (int i = 0; i < items.size(); i += 2) {
            Object key = items.get(i);
            if (!(key instanceof String) && !(key instanceof Long)) {
                throw malformed("a dict key is " + kind(key) + " (torch.save writes strings and ints)");
            }
            if (dict.put(key, items.get(i + 1)) != null) {
                throw malformed("the dict key " + (key instanceof String s ? JsonSource.quote(s) : key) + " appears twice");
            }
        }
    }

    private void append(List<Object> items) {
        if (!(top() instanceof ArrayList<?> list)) {
            throw malformed("APPEND(S) on " + kind(top()));
        }
        @SuppressWarnings("unchecked")
        List<Object> target = (List<Object>) list;
        held(items.size());
        target.addAll(items);
    }

    private void noHooks(Object hooks, Callable c) {
        if (!(hooks instanceof LinkedHashMap<?, ?> map) || !map.isEmpty()) {
            throw malformed(c.global + ": backward_hooks is " + kind(hooks) + ", not an empty dict"
                    + " (hooks are code, never part of weights)");
        }
    }

    private void arity(Callable c, List<Object> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw malformed(c.global + " takes " + (min == max ? min : min + " or " + max) + " arguments, not "
                    + args.size());
        }
    }

    private long[] dims(Object value, String what) {
        List<Object> items = tuple(value, Callable.REBUILD_TENSOR.global + " " + what);
        if (items.size() > MAX_RANK) {
            throw malformed("a tensor " + what + " of " + items.size() + " dimensions (at most " + MAX_RANK + ")");
        }
        long[] dims = new long[items.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = take(items.get(i), Long.class, Callable.REBUILD_TENSOR, what + "[" + i + "]");
            if (dims[i] < 0) {
                throw malformed("a tensor " + what + " of " + dims[i]);
            }
        }
        return dims;
    }

    private <T> T take(Object value, Class<T> type, Callable c, String argument) {
        if (!type.isInstance(value)) {
            throw malformed(c.global + ": argument " + argument + " is " + kind(value));
        }
        return type.cast(value);
    }

    private List<Object> tuple(Object value, String what) {
        if (!(value instanceof Tuple t)) {
            throw malformed(what + " takes a tuple, not " + kind(value));
        }
        return t.items();
    }

    /** Counts {@code n} more values held in dicts and lists, against {@link #MAX_HELD}. */
    private void held(int n) {
        held += n;
        if (held > MAX_HELD) {
            throw malformed("more than " + MAX_HELD + " values in dicts and lists (a state dict needs a few per tensor)");
        }
    }

    private <T> T container(T made) {
        if (++containers > MAX_CONTAINERS) {
            throw malformed("more than " + MAX_CONTAINERS + " containers (a state dict needs a few per tensor)");
        }
        return made;
    }

    private void push(Object value) {
        if (stack.size() == MAX_STACK) {
            throw malformed("more than " + MAX_STACK + " values on the stack");
        }
        stack.add(value);
    }

    /** The stack's top, which must lie above the innermost mark. */
    private Object top() {
        if (stack.size() <= base()) {
            throw malformed("an opcode at byte " + (at - 1) + " needs a value, and the stack has none");
        }
        return stack.getLast();
    }

    private Object pop() {
        Object value = top();
        stack.removeLast();
        return value;
    }

    /** The last {@code n} values, above the innermost mark, removed from the stack. */
    private List<Object> popItems(int n) {
        if (stack.size() - base() < n) {
            throw malformed("an opcode at byte " + (at - 1) + " needs " + n + " values, and the stack has fewer");
        }
        return cut(stack.size() - n);
    }

    /** Everything above the innermost mark, and the mark, removed from the stack. */
    private List<Object> popMark() {
        if (markCount == 0) {
            throw malformed("an opcode at byte " + (at - 1) + " needs a mark, and there is none");
        }
        return cut(marks[--markCount]);
    }

    private List<Object> cut(int from) {
        List<Object> tail = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(tail);
        tail.clear();
        return items;
    }

    private int base() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private void put(long index) {
        if (memo.size() == MAX_MEMO && !memo.containsKey(index)) {
            throw malformed("more than " + MAX_MEMO + " memo entries");
        }
        memo.put(index, top());
    }

    private Object get(long index) {
        if (!memo.containsKey(index)) {
            throw malformed("memo entry " + index + " is read at byte " + (at - 1) + " before it was written");
        }
        return memo.get(index);
    }

    /** A LONG1 integer: two's complement, little-endian, of at most 8 bytes here. */
    private long long1() {
        int n = u8();
        if (n > Long.BYTES) {
            throw malformed("an integer of " + n + " bytes (torch.save writes none wider than 8)");
        }
        byte[] b = bytes(n);
        long value = 0;
        for (int i = n - 1; i >= 0; i--) {
            value = value << 8 | (b[i] & 0xFF);
        }
        return n == 0 ? 0 : value << (64 - 8 * n) >> (64 - 8 * n);
    }

    /** A GLOBAL's module or name: up to the next newline. */
    private String line() {
        long end = at;
        while (end < pickle.byteSize() && pickle.get(ValueLayout.JAVA_BYTE, end) != '\n') {
            end++;
        }
        if (end == pickle.byteSize()) {
            throw malformed("GLOBAL at byte " + at + " has no newline before the end");
        }
        String text = new String(bytes(end - at), StandardCharsets.UTF_8);
        at++;
        return text;
    }

    private String utf8(long length) {
        try {
            return InputFiles.decodeUtf8(bytes(length), source + ": the string at byte " + at);
        } catch (IOException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    private byte[] bytes(long length) {
        bytesLeft(length);
        byte[] b = pickle.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
        at += length;
        return b;
    }

    private void bytesLeft(long length) {
        if (length < 0 || length > pickle.byteSize() - at) {
            throw malformed("the pickle ends within the " + Long.toUnsignedString(length) + " bytes at byte " + at
                    + " (truncated?)");
        }
    }

    private int u8() {
        return Byte.toUnsignedInt(pickle.get(ValueLayout.JAVA_BYTE, advance(1)));
    }

    private int u16() {
        return Short.toUnsignedInt(pickle.get(U16, advance(2)));
    }

    private int i32() {
        return pickle.get(I32, advance(4));
    }

    private long i64() {
        return pickle.get(I64, advance(8));
    }

    private double f64() {
        return pickle.get(F64_BIG, advance(8));
    }

    /** Where the next {@code width} bytes begin, once checked to be there; reading moves past them. */
    private long advance(int width) {
        bytesLeft(width);
        at += width;
        return at - width;
    }

    /** {@code name} as it is, or quoted and escaped when it holds characters that would garble a message. */
    private static String printable(String name) {
        return name.chars().allMatch(c -> c >= 0x20 && c < 0x7F) ? name : JsonSource.quote(name);
    }

    private CheckpointException malformed(String problem) {
        return new CheckpointException(source + ": " + problem);
    }
}
