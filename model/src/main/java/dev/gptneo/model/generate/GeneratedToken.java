package dev.gptneo.model.generate;

import java.util.List;

/**
 * One generated token.
 *
 * @param text the token's own bytes decoded (U+FFFD where it holds part of a character)
 * @param logprob natural-log probability under the model's raw distribution (before penalties,
 *     temperature and filtering)
 * @param top the most likely alternatives at this step, most likely first (as many as asked for)
 * @param special whether it is a special token such as end-of-text
 */
public record GeneratedToken(int id, String text, float logprob, List<Alternative> top, boolean special) {

    /** A candidate token and its log-probability. */
    public record Alternative(int id, String text, float logprob) {
    }
}
