package dev.gptneo.model;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Scratch sets by row count, reused between forward passes: backend tensors have fixed shapes,
 * and a decode loop whose batch grows and shrinks as sequences join and leave comes back to the
 * same few sizes, so it allocates once per size rather than per step. The most recently used
 * sets are kept while their rows total at most {@code rowBudget}; the set just asked for is
 * always kept, whatever its size (a long prompt's set is freed once smaller ones are used again).
 */
final class ScratchCache<T> {

    private final int rowBudget;
    private final IntFunction<T> make;
    private final Consumer<T> free;
    /** In access order: the least recently used first. */
    private final LinkedHashMap<Integer, T> byRows = new LinkedHashMap<>(8, 0.75f, true);
    private int keptRows;

    ScratchCache(int rowBudget, IntFunction<T> make, Consumer<T> free) {
        this.rowBudget = rowBudget;
        this.make = make;
        this.free = free;
    }

    T get(int rows) {
        T set = byRows.get(rows);
        if (set != null) {
            return set;
        }
        Iterator<Map.Entry<Integer, T>> oldest = byRows.entrySet().iterator();
        while (oldest.hasNext() && keptRows + rows > rowBudget) {
            Map.Entry<Integer, T> e = oldest.next();
            free.accept(e.getValue());
            keptRows -= e.getKey();
            oldest.remove();
        }
        set = make.apply(rows);
        byRows.put(rows, set);
        keptRows += rows;
        return set;
    }

    void clear() {
        byRows.values().forEach(free);
        byRows.clear();
        keptRows = 0;
    }
}
