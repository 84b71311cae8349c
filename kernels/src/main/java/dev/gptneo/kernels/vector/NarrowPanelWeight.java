package dev.gptneo.kernels.vector;

/**
 * A matrix in {@link PanelWeight}'s panels at fewer bits than F32 ({@link HalfPanelWeight},
 * {@link Q8PanelWeight}), which {@link Matmul} widens into floats in cache, a panel or a run of
 * its steps at a time, and multiplies by the F32 tiles.
 */
sealed interface NarrowPanelWeight extends Weight permits HalfPanelWeight, Q8PanelWeight {

    /**
     * Widens steps {@code step…step+steps-1} of panel {@code p} ({@link PanelWeight#WIDTH} values
     * each) into {@code dst} from 0, in F32's panel layout.
     */
    void widen(int p, int step, int steps, float[] dst);
}
