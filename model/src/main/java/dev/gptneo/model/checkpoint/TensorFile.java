package dev.gptneo.model.checkpoint;

import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.io.InputFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;

/**
 * One weights file of a checkpoint, whatever its format ({@code .safetensors} or a
 * {@code torch.save} {@code .bin}): the names and shapes of its tensors, all checked when it was
 * opened, and each tensor as host memory on request.
 */
interface TensorFile {

    Path path();

    /** The names of all its tensors, in file order. */
    Set<String> names();

    /** The shape of tensor {@code name}, which must be one of {@link #names()}. */
    long[] shape(String name);

    /**
     * The tensor {@code name} viewed as a matrix.
     *
     * @throws CheckpointException naming the file and tensor, for a dtype we cannot compute in or
     *     a shape that {@link #matrix} refuses
     */
    HostTensor tensor(String name);

    /**
     * {@code shape} as {@code {rows, cols}} of a {@link HostTensor}: 2-D shapes keep theirs, 1-D
     * ones become one row, a scalar one element. The model's weights are all of these, so a
     * higher rank is only refused when such a tensor is asked for.
     *
     * @param where the file and tensor, ending in ": ", for the message
     * @throws CheckpointException for a rank above 2 or a dimension beyond an int
     */
    static int[] matrix(String where, long[] shape) {
        long rows = shape.length == 2 ? shape[0] : 1;
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        if (shape.length > 2 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new CheckpointException(where + "shape " + Arrays.toString(shape)
                    + " is not a scalar, vector or matrix of at most " + Integer.MAX_VALUE + " rows and columns");
        }
        return new int[] {(int) rows, (int) cols};
    }

    /**
     * {@code path} mapped read-only for as long as {@code arena} lives: a regular file only (a
     * FIFO or device is refused before it is opened), never read into the heap.
     */
    static MemorySegment map(Path path, Arena arena) throws IOException {
        InputFiles.requireRegularFile(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
    }

    /** {@code e} as a one-line refusal naming {@code path}: the checks' messages name it already, the file system's do not. */
    static CheckpointException refusal(Path path, IOException e) {
        String message = String.valueOf(e.getMessage());
        return new CheckpointException(message.startsWith(path.toString()) ? message
                : path + ": cannot be read (" + message + ")");
    }
}
