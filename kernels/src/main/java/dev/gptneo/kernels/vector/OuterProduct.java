package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import jdk.incubator.vector.FloatVector;

/**
 * The register tiles of attention's weighted sums (and, copied, of {@link Matmul}'s prefill
 * products): rows of {@code a}, one scalar per step, times a row of {@code b} of {@link #WIDTH}
 * floats per step, summed over the steps. In symbols, {@code c[r][j] += Σ_i a[a0 + r·aStride + i] · b[b0 + i·bStride + j]} for
 * {@code j < WIDTH}, where {@code c[r][j]} is {@code c[c0 + r·cStride + j]}: added to what is
 * there, so that the runs of rows of a paged cache sum in the accumulators themselves, with no
 * tile to add up after each run.
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
    static void rows4(float[] a, int a0, int aStride, float[] b, int b0, int bStride, int steps, float[] c, int c0,
                      int cStride) {
        int o1 = c0 + cStride, o2 = o1 + cStride, o3 = o2 + cStride;
        FloatVector c00 = FloatVector.fromArray(FLOATS, c, c0), c01 = FloatVector.fromArray(FLOATS, c, c0 + LENGTH);
        FloatVector c02 = FloatVector.fromArray(FLOATS, c, c0 + 2 * LENGTH);
        FloatVector c03 = FloatVector.fromArray(FLOATS, c, c0 + 3 * LENGTH);
        FloatVector c10 = FloatVector.fromArray(FLOATS, c, o1), c11 = FloatVector.fromArray(FLOATS, c, o1 + LENGTH);
        FloatVector c12 = FloatVector.fromArray(FLOATS, c, o1 + 2 * LENGTH);
        FloatVector c13 = FloatVector.fromArray(FLOATS, c, o1 + 3 * LENGTH);
        FloatVector c20 = FloatVector.fromArray(FLOATS, c, o2), c21 = FloatVector.fromArray(FLOATS, c, o2 + LENGTH);
        FloatVector c22 = FloatVector.fromArray(FLOATS, c, o2 + 2 * LENGTH);
        FloatVector c23 = FloatVector.fromArray(FLOATS, c, o2 + 3 * LENGTH);
        FloatVector c30 = FloatVector.fromArray(FLOATS, c, o3), c31 = FloatVector.fromArray(FLOATS, c, o3 + LENGTH);
        FloatVector c32 = FloatVector.fromArray(FLOATS, c, o3 + 2 * LENGTH);
        FloatVector c33 = FloatVector.fromArray(FLOATS, c, o3 + 3 * LENGTH);
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
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LENGTH);
        c02.intoArray(c, c0 + 2 * LENGTH);
        c03.intoArray(c, c0 + 3 * LENGTH);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + LENGTH);
        c12.intoArray(c, o1 + 2 * LENGTH);
        c13.intoArray(c, o1 + 3 * LENGTH);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + LENGTH);
        c22.intoArray(c, o2 + 2 * LENGTH);
        c23.intoArray(c, o2 + 3 * LENGTH);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + LENGTH);
        c32.intoArray(c, o3 + 2 * LENGTH);
        c33.intoArray(c, o3 + 3 * LENGTH);
    }

    /** One row of a: four accumulators. */
    static void row1(float[] a, int a0, float[] b, int b0, int bStride, int steps, float[] c, int c0) {
        FloatVector s0 = FloatVector.fromArray(FLOATS, c, c0);
        FloatVector s1 = FloatVector.fromArray(FLOATS, c, c0 + LENGTH);
        FloatVector s2 = FloatVector.fromArray(FLOATS, c, c0 + 2 * LENGTH);
        FloatVector s3 = FloatVector.fromArray(FLOATS, c, c0 + 3 * LENGTH);
        for (int i = 0, p = b0; i < steps; i++, p += bStride) {
            FloatVector x = FloatVector.broadcast(FLOATS, a[a0 + i]);
            s0 = x.fma(FloatVector.fromArray(FLOATS, b, p), s0);
            s1 = x.fma(FloatVector.fromArray(FLOATS, b, p + LENGTH), s1);
            s2 = x.fma(FloatVector.fromArray(FLOATS, b, p + 2 * LENGTH), s2);
            s3 = x.fma(FloatVector.fromArray(FLOATS, b, p + 3 * LENGTH), s3);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + LENGTH);
        s2.intoArray(c, c0 + 2 * LENGTH);
        s3.intoArray(c, c0 + 3 * LENGTH);
    }
}
