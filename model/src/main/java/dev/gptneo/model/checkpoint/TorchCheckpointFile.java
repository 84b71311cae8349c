package dev.gptneo.model.checkpoint;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.io.JsonSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code pytorch_model.bin} as PyTorch 1.6 and later write it with {@code torch.save}: a zip
 * archive ({@link StoredZip}) whose records lie under one folder ({@code archive/}, or the file's
 * stem in older versions): {@code data.pkl}, the pickled state dict, read by
 * {@link RestrictedUnpickler} without running any of it; {@code data/<key>}, each storage's raw
 * elements; and {@code byteorder} in newer versions ({@code little}, or absent, which means
 * little-endian too).
 *
 * <p>Opening checks everything up front, as {@link SafetensorsFile} does: each storage's record
 * holds exactly its elements, every tensor's view lies within its storage. A contiguous tensor is
 * then a slice of the file's mapping, whatever its storage offset (a tied head and the embedding
 * share one); a strided one is copied, once, into the arena. The legacy format of PyTorch before
 * 1.6 (pickles one after another, not a zip) is recognised and refused by name.
 */
public final class TorchCheckpointFile implements TensorFile {

    /** The pickle of a state dict takes about a hundred bytes per tensor. */
    static final long MAX_PICKLE_BYTES = 64L << 20;
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    /** The legacy format's first pickle, protocol 2: LONG1 0x1950a86a20f9469cfc6c, torch's magic number. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 2, (byte) 0x8a, 10,
        0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Path path;
    private final Arena arena;
    private final Map<String, TorchTensor> tensors;
    private final Map<String, MemorySegment> storageBytes;

    private TorchCheckpointFile(Path path, Arena arena, Map<String, TorchTensor> tensors,
                                Map<String, MemorySegment> storageBytes) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.storageBytes = storageBytes;
    }

    /**
     * Maps {@code path} (a regular file) for as long as {@code arena} lives and reads its pickle.
     *
     * @throws CheckpointException naming the file, and the record, tensor or global at fault
     */
    public static TorchCheckpointFile open(Path path, Arena arena) {
        MemorySegment file;
        try {
            file = TensorFile.map(path, arena);
        } catch (IOException e) {
            throw TensorFile.refusal(path, e);
        }
        if (startsWith(file, LEGACY_MAGIC)) {
            throw new CheckpointException(path + ": legacy torch.save format (PyTorch < 1.6) is not supported:"
                    + " re-save it with a current PyTorch or convert it to safetensors");
        }
        if (!startsWith(file, ZIP_MAGIC)) {
            throw new CheckpointException(path + ": not a torch.save file (it begins with neither a zip header"
                    + " nor the pickled magic number of the legacy format)");
        }
        Map<String, StoredZip.Entry> zip = StoredZip.read(path, file);
        String folder = folder(path, zip);
        requireLittleEndian(path, zip, folder);
        StoredZip.Entry pickle = zip.get(folder + "data.pkl");
        if (pickle.data().byteSize() > MAX_PICKLE_BYTES) {
            throw new CheckpointException(path + ": " + pickle.name() + " is " + pickle.data().byteSize()
                    + " bytes, more than the " + MAX_PICKLE_BYTES + " a state dict's pickle takes");
        }
        Object root = RestrictedUnpickler.load(path + ": " + pickle.name(), pickle.checked(path));
        Map<String, TorchTensor> tensors = stateDict(path + ": " + pickle.name(), root);
        return new TorchCheckpointFile(path, arena, tensors, storageBytes(path, zip, folder, tensors));
    }

    /** The folder of the archive's records ({@code archive/}, or the file's stem): the one holding {@code data.pkl}. */
    private static String folder(Path path, Map<String, StoredZip.Entry> zip) {
        List<String> pickles = zip.keySet().stream()
                .filter(name -> name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length())
                .toList();
        if (pickles.size() != 1) {
            throw new CheckpointException(path + ": " + (pickles.isEmpty()
                    ? "a zip archive without a FOLDER/data.pkl record, so not a torch.save file"
                    : "holds " + pickles.size() + " pickles (" + JsonSource.quote(pickles.get(0)) + ", "
                            + JsonSource.quote(pickles.get(1)) + "), where torch.save writes one"));
        }
        return pickles.getFirst().substring(0, pickles.getFirst().length() - "data.pkl".length());
    }

    /** Storages are raw elements in the byte order {@code byteorder} names: only little-endian is read. */
    private static void requireLittleEndian(Path path, Map<String, StoredZip.Entry> zip, String folder) {
        StoredZip.Entry order = zip.get(folder + "byteorder");
        if (order == null) {
            return;
        }
        String value = order.data().byteSize() > "little".length() ? "(" + order.data().byteSize() + " bytes)"
                : new String(order.checked(path).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
        if (!value.equals("little")) {
            throw new CheckpointException(path + ": record " + order.name() + " says the storages are "
                    + (value.equals("big") ? "big-endian" : "in byte order " + JsonSource.quote(value))
                    + "; only little-endian checkpoints load (re-save it on a little-endian machine or convert it to safetensors)");
        }
    }

    /** The pickle's root: a dict (an OrderedDict, as {@code state_dict()} returns) of names to tensors. */
    private static Map<String, TorchTensor> stateDict(String source, Object root) {
        if (!(root instanceof LinkedHashMap<?, ?> dict)) {
            throw new CheckpointException(source + ": holds " + RestrictedUnpickler.kind(root)
                    + ", not a state dict (a dict of tensor names to tensors)");
        }
        Map<String, TorchTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TorchTensor tensor)) {
                throw new CheckpointException(source + ": the state dict maps "
                        + (e.getKey() instanceof String s ? JsonSource.quote(s) : RestrictedUnpickler.kind(e.getKey()))
                        + " to " + RestrictedUnpickler.kind(e.getValue()) + ", where a weights file maps names to tensors");
            }
            tensors.put(name, tensor);
        }
        return Collections.unmodifiableMap(tensors);
    }

    /** Each storage's record {@code data/<key>}, holding exactly its elements. */
    private static Map<String, MemorySegment> storageBytes(Path path, Map<String, StoredZip.Entry> zip, String folder,
                                                           Map<String, TorchTensor> tensors) {
        Map<String, MemorySegment> bytes = new HashMap<>();
        for (TorchTensor tensor : tensors.values()) {
            TorchStorage storage = tensor.storage();
            if (bytes.containsKey(storage.key())) {
                continue;
            }
            String name = folder + "data/" + storage.key();
            StoredZip.Entry record = zip.get(name);
            if (record == null) {
                throw new CheckpointException(path + ": storage " + JsonSource.quote(storage.key())
                        + " has no record " + JsonSource.quote(name) + " (truncated or corrupt file?)");
            }
            long width = storage.type().elementBytes();
            if (storage.numel() > record.data().byteSize() / width || record.data().byteSize() != storage.numel() * width) {
                throw new CheckpointException(path + ": record " + JsonSource.quote(name) + " holds "
                        + record.data().byteSize() + " bytes, but its storage is " + storage.numel() + " "
                        + storage.type().dtypeName() + " elements (" + width + " bytes each)");
            }
            bytes.put(storage.key(), record.data());
        }
        return bytes;
    }

    private static boolean startsWith(MemorySegment file, byte[] magic) {
        return file.byteSize() >= magic.length
                && file.asSlice(0, magic.length).mismatch(MemorySegment.ofArray(magic)) < 0;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public long[] shape(String name) {
        return tensors.get(name).size().clone();
    }

    /**
     * The tensor {@code name}: a slice of the mapping when contiguous, else a copy in the arena;
     * see {@link TensorFile#matrix}. A storage of integers or bools (an attention-mask buffer) is
     * refused here, when asked for, and not before: the model never asks.
     */
    @Override
    public HostTensor tensor(String name) {
        TorchTensor t = tensors.get(name);
        String where = path + ": tensor " + JsonSource.quote(name) + ": ";
        TorchStorageType type = t.storage().type();
        DType dtype = type.dtype();
        if (dtype == null) {
            throw new CheckpointException(where + "unsupported dtype " + type.dtypeName() + " (" + type.global()
                    + "; expected float32, float16 or bfloat16)");
        }
        int[] matrix = TensorFile.matrix(where, t.size());
        if (!t.isContiguous() && t.elements() > t.storage().numel()) {
            throw new CheckpointException(where + "a strided view of " + t.elements() + " elements reads its storage of "
                    + t.storage().numel() + " more than once (strides " + Arrays.toString(t.stride())
                    + "); such a view is not supported");
        }
        return new HostTensor(name, dtype, matrix[0], matrix[1], t.bytes(storageBytes.get(t.storage().key()), arena));
    }
}
