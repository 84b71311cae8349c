package dev.gptneo.tokenizer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the token ids of recently seen pieces: natural text repeats its words, and a lookup
 * is much cheaper than BPE. Thread-safe; bounded by starting afresh when full, which keeps
 * memory fixed and lets the cache follow a change of subject without bookkeeping per entry.
 */
final class WordCache {
    private static final int MAX_ENTRIES = 1 << 16;
    /** Longer pieces (long runs of symbols or whitespace) rarely repeat and would bloat the cache. */
    static final int MAX_PIECE_LENGTH = 48;

    private final ConcurrentHashMap<String, int[]> ids = new ConcurrentHashMap<>();

    /** The ids of {@code piece}, or {@code null} if not cached. */
    int[] get(String piece) {
        return ids.get(piece);
    }

    /** Caches the ids of {@code piece}; the caller must not change the array afterwards. */
    void put(String piece, int[] pieceIds) {
        if (ids.size() >= MAX_ENTRIES) {
            ids.clear();
        }
        ids.put(piece, pieceIds);
    }
}
