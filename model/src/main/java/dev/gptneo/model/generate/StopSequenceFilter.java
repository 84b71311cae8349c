package dev.gptneo.model.generate;

import java.util.List;

/**
 * Releases streamed text only once it cannot be the start of a stop sequence, so a stop string
 * that arrives over several tokens is never partly sent. When a stop string completes, the text
 * before it is released and the rest is dropped.
 */
final class StopSequenceFilter {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopSequenceFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds decoded text; returns what may now be released. */
    String push(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int stopAt = firstStop();
        if (stopAt >= 0) {
            stopped = true;
            String released = pending.substring(0, stopAt);
            pending.setLength(0);
            return released;
        }
        return release(pending.length() - heldBack());
    }

    /** True once a stop sequence has been seen. */
    boolean stopped() {
        return stopped;
    }

    /** At the end of the stream: everything still held back. */
    String flush() {
        return release(pending.length());
    }

    private int firstStop() {
        int first = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of some stop. */
    private int heldBack() {
        String text = pending.toString();
        int hold = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > hold; len--) {
                if (text.regionMatches(text.length() - len, stop, 0, len)) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }

    private String release(int count) {
        String out = pending.substring(0, count);
        pending.delete(0, count);
        return out;
    }
}
