package dev.gptneo.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.scalar.ScalarBackend;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sampling rules on hand-made logits, where the right answer is plain arithmetic. */
class SamplerTest {

    private static GenerationParams params(boolean sample, double temperature, int topK, double topP, double penalty) {
        return GenerationParams.builder().maxNewTokens(10).sample(sample).temperature(temperature).topK(topK)
                .topP(topP).repetitionPenalty(penalty).seed(1).build();
    }

    @Test
    void greedyTakesTheLargestAndSuppressionSkipsIt() {
        Sampler s = new Sampler(params(false, 1, 50, 1, 1), 4, new ScalarBackend());
        assertEquals(2, s.next(new float[] {0, 1, 5, 2}, new int[0], 0, -1));
        assertEquals(3, s.next(new float[] {0, 1, 5, 2}, new int[0], 0, 2), "min_new_tokens suppresses EOS");
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeScores() {
        Sampler s = new Sampler(params(false, 1, 50, 1, 2.0), 3, new ScalarBackend());
        // Token 0 (4.0 → 2.0) loses to token 1 (3.0); a negative seen score gets more negative.
        float[] logits = {4, 3, -1};
        assertEquals(1, s.next(logits, new int[] {0, 2, 0}, 3, -1));
        assertEquals(2.0f, logits[0]);
        assertEquals(-2.0f, logits[2]);
    }

    @Test
    void topKLimitsTheDrawToTheKMostLikely() {
        Sampler s = new Sampler(params(true, 1, 2, 1, 1), 5, new ScalarBackend());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            seen.add(s.next(new float[] {1, 0.9f, 3, 0.8f, 2.9f}, new int[0], 0, -1));
        }
        assertEquals(Set.of(2, 4), seen);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.3, 0.2: p = 0.7 keeps the first two (0.5 < 0.7 ≤ 0.8).
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        Sampler s = new Sampler(params(true, 1, 0, 0.7, 1), 3, new ScalarBackend());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            seen.add(s.next(logits.clone(), new int[0], 0, -1));
        }
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void drawsFollowTheTemperedDistribution() {
        // At temperature 2, logits ln(0.8) and ln(0.2) become weights sqrt(0.8) : sqrt(0.2) = 2 : 1.
        float[] logits = {(float) Math.log(0.8), (float) Math.log(0.2)};
        Sampler s = new Sampler(params(true, 2.0, 0, 1, 1), 2, new ScalarBackend());
        int zeros = 0;
        int n = 30000;
        for (int i = 0; i < n; i++) {
            zeros += s.next(logits.clone(), new int[0], 0, -1) == 0 ? 1 : 0;
        }
        double share = zeros / (double) n;
        assertTrue(Math.abs(share - 2.0 / 3) < 0.015, "share of token 0: " + share);
    }
}
