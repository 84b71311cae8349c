package dev.gptneo.model.hub;

import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub as a user names it: {@code ORG/NAME} or
 * {@code ORG/NAME@REVISION} (a branch, a tag, a commit, or {@code refs/pr/N}).
 *
 * <p>Both parts end up in file names in the cache ({@code models--ORG--NAME/refs/REVISION}) and
 * in URLs, so they are checked here, once, by the Hub's own rules (huggingface_hub's
 * {@code validate_repo_id}: letters, digits, {@code - _ .}, at most 96 characters a part, no
 * {@code --} or {@code ..}, not starting or ending with {@code -} or {@code .}, not ending in
 * {@code .git}) and by git's for a revision, which also keeps it inside {@code refs/}.
 *
 * @param repo {@code ORG/NAME}
 * @param revision the revision asked for, {@link #DEFAULT_REVISION} when none was
 * @param spec the text the user wrote, which names the model in messages and in {@code LoadedModel.name()}
 */
public record HubModelId(String repo, String revision, String spec) {

    /** The branch the Hub serves when no revision is named. */
    public static final String DEFAULT_REVISION = "main";

    /** The model {@code serve} and {@code generate} run when no {@code --model} is given. */
    public static final String DEFAULT_MODEL = "EleutherAI/gpt-neo-125m";

    private static final int MAX_PART = 96;
    private static final int MAX_REVISION = 255;
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** What git refuses in a ref name (check-ref-format), besides the rules on segments below. */
    private static final Pattern REVISION_FORBIDDEN = Pattern.compile("[\\x00-\\x20\\x7f~^:?*\\[\\\\]|@\\{");

    public HubModelId {
        requireValidRepo(repo);
        requireValidRevision(revision);
    }

    /**
     * Whether {@code spec} is meant as a Hub id rather than a path: one {@code /} before any
     * {@code @}, and not written as a path ({@code /abs}, {@code ./rel}, {@code ../up},
     * {@code ~/home}). Whether it is a valid one is {@link #parse}'s question, which then names
     * what is wrong instead of calling it "not a folder".
     */
    public static boolean looksLikeHubId(String spec) {
        String repo = spec.split("@", 2)[0];
        return repo.chars().filter(c -> c == '/').count() == 1 && !repo.startsWith("/") && !repo.startsWith(".")
                && !repo.startsWith("~");
    }

    /**
     * Reads {@code ORG/NAME} or {@code ORG/NAME@REVISION}.
     *
     * @throws IllegalArgumentException naming the spec and the rule it breaks
     */
    public static HubModelId parse(String spec) {
        int at = spec.indexOf('@');
        String repo = at < 0 ? spec : spec.substring(0, at);
        String revision = at < 0 ? DEFAULT_REVISION : spec.substring(at + 1);
        try {
            return new HubModelId(repo, revision, spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(spec + ": not a Hub model id: " + e.getMessage(), e);
        }
    }

    /** Whether {@code revision} is a full commit hash, which needs no {@code refs/} file to resolve. */
    public static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    /** The cache folder's name: {@code models--ORG--NAME}, as huggingface_hub's {@code repo_folder_name}. */
    public String cacheFolderName() {
        return "models--" + repo.replace("/", "--");
    }

    @Override
    public String toString() {
        return spec;
    }

    private static void requireValidRepo(String repo) {
        String[] parts = repo.split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected ORG/NAME, got '" + repo + "'");
        }
        for (String part : parts) {
            if (part.length() > MAX_PART || !PART.matcher(part).matches()) {
                throw new IllegalArgumentException("'" + part + "': ORG and NAME are 1 to " + MAX_PART
                        + " letters, digits, '-', '_' or '.', not starting or ending with '-' or '.'");
            }
        }
        if (repo.contains("--") || repo.contains("..")) {
            throw new IllegalArgumentException("'" + repo + "' cannot have -- or ..");
        }
        if (repo.endsWith(".git")) {
            throw new IllegalArgumentException("'" + repo + "' cannot end in .git");
        }
    }

    /**
     * A revision is a git ref name or a commit, and becomes the path {@code refs/REVISION} in the
     * cache: git's rules (no {@code ..}, no segment starting with {@code .} or ending in
     * {@code .lock}, no empty segment, no control characters or {@code ~^:?*[\}) are what keep
     * that path inside {@code refs/}.
     */
    private static void requireValidRevision(String revision) {
        if (revision.isEmpty() || revision.length() > MAX_REVISION) {
            throw new IllegalArgumentException("the revision after '@' must be 1 to " + MAX_REVISION + " characters");
        }
        if (revision.contains("..") || REVISION_FORBIDDEN.matcher(revision).find()) {
            throw new IllegalArgumentException("revision '" + revision
                    + "' has '..', '@{', a space, a control character or one of ~^:?*[\\");
        }
        for (String segment : revision.split("/", -1)) {
            if (segment.isEmpty() || segment.startsWith(".") || segment.endsWith(".lock")) {
                throw new IllegalArgumentException("revision '" + revision
                        + "': no leading or trailing '/', no '//', no part starting with '.' or ending in '.lock'");
            }
        }
    }
}
