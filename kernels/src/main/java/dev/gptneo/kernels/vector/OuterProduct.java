package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import jdk.incubator.vector.FloatVector;

/**
 * The register tiles of attention's weighted sums (and, copied, of {@link Matmul}'s prefill
 * products): rows of {@code a}, one scalar per step, times a row of {@code b} of {@link #WIDTH}
 * floats per step, summed over the steps. In symbols, {@code c[r][j] = Σ_i a[a0 + r·aStride + i] · b[b0 + i·bStride + j]} for
 * {@code j < WIDTH}, written to {@code c[r·WIDTH + j]}.
 *
 * <p>Outer products rather than dot products: per step, four vector loads of b and one broadcast
 * per row of a feed four FMAs per row, with no lane reduction at all (closer to FMA peak than
 * a 4 × 4 tile of dot products; figures in docs/performance-notes.md). The results are
 * stored inline: C2 stops inlining helpers in a method this size ({@code NodeCountInliningCutoff}),
 * and vectors passed to a call that is not inlined are boxed, which once made a loop like this
 * six times slower.
 */
final class OuterProduct {

    /** Floats of a row of b per step: four vectors. */
    static final int WIDTH = 4 * LENGTH;

    private OuterProduct() {
    }

    /** Four rows of a: sixteen accumulators. */
    static void rows4(float[] a, int a0, int aStride, float[] b, int b0, int bStride, int steps, float[] c) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
        for (int i = 0, p = b0; i < steps; i++, p += bStride) {
            FloatVector b0v = FloatVector.fromArray(FLOATS, b, p);
            FloatVector b1v = FloatVector.fromArray(FLOATS, b, p + LENGTH);
            FloatVector b2v = FloatVector.fromArray(FLOATS, b, p + 2 * LENGTH);
            FloatVector b3v = FloatVector.fromArray(FLOATS, b, p + 3 * LENGTH);
            FloatVector x = FloatVector.broadcast(FLOATS, a[a0 + i]);
            c00 = x.fma(b0v, c00);
            c01 = x.fma(b1v, c01);
            c02 = x.fma(b2v, c02);
            c03 = x.fma(b3v, c03);
            x = FloatVector.broadcast(FLOATS, a[a1 + i]);
            c10 = x.fma(b0v, c10);
            c11 = x.fma(b1v, c11);
            c12 = x.fma(b2v, c12);
            c13 = x.fma(b3v, c13);
            x = FloatVector.broadcast(FLOATS, a[a2 + i]);
            c20 = x.fma(b0v, c20);
            c21 = x.fma(b1v, c21);
            c22 = x.fma(b2v, c22);
            c23 = x.fma(b3v, c23);
            x = FloatVector.broadcast(FLOATS, a[a3 + i]);
            c30 = x.fma(b0v, c30);
            c31 = x.fma(b1v, c31);
            c32 = x.fma(b2v, c32);
            c33 = x.fma(b3v, c33);
        }
        c00.intoArray(c, 0);
        c01.intoArray(c, LENGTH);
        c02.intoArray(c, 2 * LENGTH);
        c03.intoArray(c, 3 * LENGTH);
        c10.intoArray(c, WIDTH);
        c11.intoArray(c, WIDTH + LENGTH);
        c12.intoArray(c, WIDTH + 2 * LENGTH);
        c13.intoArray(c, WIDTH + 3 * LENGTH);
        c20.intoArray(c, 2 * WIDTH);
        c21.intoArray(c, 2 * WIDTH + LENGTH);
        c22.intoArray(c, 2 * WIDTH + 2 * LENGTH);
        c23.intoArray(c, 2 * WIDTH + 3 * LENGTH);
        c30.intoArray(c, 3 * WIDTH);
        c31.intoArray(c, 3 * WIDTH + LENGTH);
        c32.intoArray(c, 3 * WIDTH + 2 * LENGTH);
        c33.intoArray(c, 3 * WIDTH + 3 * LENGTH);
    }

    /** One row of a: four accumulators. */
    static void row1(float[] a, int a0, float[] b, int b0, int bStride, int steps, float[] c) {
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        for (int i = 0, p = b0; i < steps; i++, p += bStride) {
            FloatVector x = FloatVector.broadcast(FLOATS, a[a0 + i]);
            c0 = x.fma(FloatVector.fromArray(FLOATS, b, p), c0);
            c1 = x.fma(FloatVector.fromArray(FLOATS, b, p + LENGTH), c1);
            c2 = x.fma(FloatVector.fromArray(FLOATS, b, p + 2 * LENGTH), c2);
            c3 = x.fma(FloatVector.fromArray(FLOATS, b, p + 3 * LENGTH), c3);
        }
        c0.intoArray(c, 0);
        c1.intoArray(c, LENGTH);
        c2.intoArray(c, 2 * LENGTH);
        c3.intoArray(c, 3 * LENGTH);
    }
}
