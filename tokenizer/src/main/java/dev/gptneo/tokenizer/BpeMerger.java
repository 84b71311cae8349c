package dev.gptneo.tokenizer;

/**
 * Applies the BPE merge rules to the bytes of one pre-tokenized piece.
 *
 * <p>Same result as Hugging Face's loop (repeatedly merge the adjacent pair of lowest rank, all
 * of its occurrences left to right), in O(n log n): the parts form a linked list over byte
 * positions and the candidate pairs sit in a min-heap keyed by (rank, position). Entries that a
 * neighbouring merge made stale are skipped when popped. Holds scratch arrays, so one instance
 * serves one thread.
 */
final class BpeMerger {
    private static final int DEAD = -1;

    private final MergeTable merges;
    private final int[] byteTokens;
    private int[] ids = new int[64];
    private int[] next = new int[64];
    private int[] prev = new int[64];
    private long[] heap = new long[64];
    private int heapSize;

    /**
     * @param merges     the merge rules
     * @param byteTokens token id of each single byte value, indexed 0..255
     */
    BpeMerger(MergeTable merges, int[] byteTokens) {
        this.merges = merges;
        this.byteTokens = byteTokens;
    }

    /** Appends the token ids of {@code bytes[0..length)} to {@code out}. */
    void merge(byte[] bytes, int length, IntList out) {
        if (ids.length < length) {
            ids = new int[length];
            next = new int[length];
            prev = new int[length];
            heap = new long[length];
        }
        for (int i = 0; i < length; i++) {
            ids[i] = byteTokens[bytes[i] & 0xFF];
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        heapSize = 0;
        for (int i = 0; i + 1 < length; i++) {
            offer(i, i + 1);
        }
        while (heapSize > 0) {
            long top = poll();
            int left = (int) top;
            int right = next[left];
            if (ids[left] == DEAD || right >= length) {
                continue;
            }
            int slot = merges.find(ids[left], ids[right]);
            if (slot < 0 || merges.rank(slot) != (int) (top >>> 32)) {
                continue; // the pair this entry was made for has been merged away
            }
            ids[left] = merges.result(slot);
            ids[right] = DEAD;
            next[left] = next[right];
            if (next[left] < length) {
                prev[next[left]] = left;
                offer(left, next[left]);
            }
            if (prev[left] >= 0) {
                offer(prev[left], left);
            }
        }
        for (int i = 0; i < length; i = next[i]) {
            out.add(ids[i]);
        }
    }

    /** Queues the pair starting at {@code left} if a rule merges it. */
    private void offer(int left, int right) {
        int slot = merges.find(ids[left], ids[right]);
        if (slot < 0) {
            return;
        }
        if (heapSize == heap.length) {
            heap = java.util.Arrays.copyOf(heap, heapSize * 2);
        }
        long entry = (long) merges.rank(slot) << 32 | left;
        int i = heapSize++;
        while (i > 0 && heap[(i - 1) >>> 1] > entry) {
            heap[i] = heap[(i - 1) >>> 1];
            i = (i - 1) >>> 1;
        }
        heap[i] = entry;
    }

    private long poll() {
        long top = heap[0];
        long last = heap[--heapSize];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }
}
