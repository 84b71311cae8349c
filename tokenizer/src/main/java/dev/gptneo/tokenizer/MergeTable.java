package dev.gptneo.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The BPE merge rules as an open-addressing hash table keyed by the pair of token ids, so that the
 * hot loop looks a pair up without building strings. Immutable once built.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int shift;

    /** Builds the table; a rule's rank is its index in {@code merges}. */
    MergeTable(List<Vocabulary.Merge> merges) {
        int bits = Math.max(4, 65 - Long.numberOfLeadingZeros(merges.size() * 2L));
        keys = new long[1 << bits];
        ranks = new int[keys.length];
        results = new int[keys.length];
        shift = 64 - bits;
        Arrays.fill(keys, EMPTY);
        for (int rank = merges.size() - 1; rank >= 0; rank--) {
            // Going backwards lets the first (highest-priority) rule for a repeated pair win.
            Vocabulary.Merge merge = merges.get(rank);
            int slot = probe(key(merge.left(), merge.right()));
            keys[slot] = key(merge.left(), merge.right());
            ranks[slot] = rank;
            results[slot] = merge.result();
        }
    }

    /** Slot of the rule for {@code left right}, or -1 if they do not merge. */
    int find(int left, int right) {
        int slot = probe(key(left, right));
        return keys[slot] == EMPTY ? -1 : slot;
    }

    /** Rank (priority, lower first) of the rule in {@code slot}. */
    int rank(int slot) {
        return ranks[slot];
    }

    /** Token id the rule in {@code slot} produces. */
    int result(int slot) {
        return results[slot];
    }

    /** The slot holding {@code key}, or the empty slot where it would go. */
    private int probe(long key) {
        int mask = keys.length - 1;
        int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long key(int left, int right) {
        return (long) left << 32 | right;
    }
}
