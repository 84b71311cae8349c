package dev.gptneo.tokenizer;

import java.util.List;

/**
 * What the tokenizer files say, resolved to ids: the token strings and the merge rules in rank
 * order. Produced by {@link VocabularyLoader}, which has already checked every reference.
 *
 * @param tokens     token strings by id, in GPT-2's byte-level alphabet (special tokens as plain text)
 * @param bytes      the bytes each token stands for, by id
 * @param merges     merge rules, highest priority first
 * @param specialIds ids of the special tokens (e.g. {@code <|endoftext|>})
 */
record Vocabulary(String[] tokens, byte[][] bytes, List<Merge> merges, int[] specialIds) {

    /** One merge rule: adjacent tokens {@code left right} become {@code result}. */
    record Merge(int left, int right, int result) {
    }
}
