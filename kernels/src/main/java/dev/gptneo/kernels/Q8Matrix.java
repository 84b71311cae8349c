package dev.gptneo.kernels;

/**
 * A matrix in {@link DType#Q8_0}: each row is cut into blocks of {@link DType#Q8_BLOCK} values
 * (the last block of a row may be shorter) that share one float scale; a value is
 * {@code quants[i] * scale}. Rows never share a block, so a row can be decoded on its own.
 *
 * <p>The one quantizer every backend uses, so that their results agree bit for bit on the
 * stored values and differ only in arithmetic order.
 *
 * @param quants {@code rows × cols} int8 values, row-major
 * @param scales {@code rows × blocksPerRow()} scales, row-major
 */
public record Q8Matrix(int rows, int cols, byte[] quants, float[] scales) {

    public Q8Matrix {
        if (quants.length != (long) rows * cols || scales.length != (long) rows * blocksPerRow(cols)) {
            throw new IllegalArgumentException("Q8_0 " + rows + "x" + cols + ": " + quants.length
                    + " quants and " + scales.length + " scales do not fit the shape");
        }
    }

    public int blocksPerRow() {
        return blocksPerRow(cols);
    }

    private static int blocksPerRow(int cols) {
        return (cols + DType.Q8_BLOCK - 1) / DType.Q8_BLOCK;
    }

    /** Bytes a pass over the matrix reads: one per value plus four per block scale. */
    public long byteSize() {
        return DType.Q8_0.storageBytes(rows, cols);
    }

    /**
     * Quantizes a host matrix as llama.cpp's Q8_0 does: scale = max|x| / 127 per block, values
     * rounded to nearest. An all-zero block gets scale 0.
     */
    public static Q8Matrix quantize(HostTensor source) {
        int rows = source.rows();
        int cols = source.cols();
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(source.name() + ": " + rows + "x" + cols
                    + " is too large to quantize into one array");
        }
        int blocks = blocksPerRow(cols);
        byte[] quants = new byte[rows * cols];
        float[] scales = new float[rows * blocks];
        float[] block = new float[DType.Q8_BLOCK];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                int from = b * DType.Q8_BLOCK;
                int len = Math.min(DType.Q8_BLOCK, cols - from);
                long base = (long) r * cols + from;
                float max = 0;
                for (int i = 0; i < len; i++) {
                    block[i] = source.get(base + i);
                    max = Math.max(max, Math.abs(block[i]));
                }
                float scale = max / 127f;
                float inverse = scale == 0 ? 0 : 1 / scale;
                for (int i = 0; i < len; i++) {
                    quants[(int) base + i] = (byte) Math.round(block[i] * inverse);
                }
                scales[r * blocks + b] = scale;
            }
        }
        return new Q8Matrix(rows, cols, quants, scales);
    }

    /** Element {@code index} (row-major), dequantized. */
    public float get(long index) {
        int row = (int) (index / cols);
        int col = (int) (index % cols);
        return quants[(int) index] * scales[row * blocksPerRow() + col / DType.Q8_BLOCK];
    }
}
