package dev.gptneo.model.checkpoint;

import dev.gptneo.kernels.DType;

/**
 * The typed storages a {@code torch.save} pickle names as globals ({@code torch.HalfStorage} …),
 * each with its element size. Only the floating-point ones the model computes in have a
 * {@link DType}: the others (a GPT-Neo's bool or uint8 attention-mask buffers, int64 position
 * ids) load as tensors no weight is ever read from.
 */
enum TorchStorageType {
    FLOAT("FloatStorage", "float32", 4, DType.F32),
    HALF("HalfStorage", "float16", 2, DType.F16),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, DType.BF16),
    DOUBLE("DoubleStorage", "float64", 8, null),
    LONG("LongStorage", "int64", 8, null),
    INT("IntStorage", "int32", 4, null),
    SHORT("ShortStorage", "int16", 2, null),
    CHAR("CharStorage", "int8", 1, null),
    BYTE("ByteStorage", "uint8", 1, null),
    BOOL("BoolStorage", "bool", 1, null);

    private final String global;
    private final String dtypeName;
    private final int elementBytes;
    private final DType dtype;

    TorchStorageType(String className, String dtypeName, int elementBytes, DType dtype) {
        this.global = "torch." + className;
        this.dtypeName = dtypeName;
        this.elementBytes = elementBytes;
        this.dtype = dtype;
    }

    /** The global naming it in a pickle, such as {@code torch.HalfStorage}. */
    String global() {
        return global;
    }

    /** torch's name for its element type, such as {@code float16}. */
    String dtypeName() {
        return dtypeName;
    }

    int elementBytes() {
        return elementBytes;
    }

    /** The format the model computes in, or null for a storage of integers, bools or float64. */
    DType dtype() {
        return dtype;
    }
}
