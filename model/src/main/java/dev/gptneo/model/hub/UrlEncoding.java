package dev.gptneo.model.hub;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding as Python's {@code urllib.parse.quote}, which huggingface_hub uses to build
 * its URLs: a revision with {@code safe=""} ({@code refs/pr/1} becomes {@code refs%2Fpr%2F1}), a
 * file's path with {@code /} kept.
 */
final class UrlEncoding {

    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";

    private UrlEncoding() {
    }

    /** One path segment: every {@code /} encoded. */
    static String component(String text) {
        return encode(text, "");
    }

    /** A path: its {@code /} kept. */
    static String path(String text) {
        return encode(text, "/");
    }

    private static String encode(String text, String safe) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (UNRESERVED.indexOf(c) >= 0 || safe.indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
