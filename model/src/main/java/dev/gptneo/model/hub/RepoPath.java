package dev.gptneo.model.hub;

import java.util.regex.Pattern;

/**
 * A file's path inside a repo, as the Hub lists it ({@code siblings[].rfilename}) and an index
 * names its shards: it becomes a path under {@code snapshots/COMMIT/} and part of a URL, so it
 * must stay inside: relative, {@code /}-separated, no empty, {@code .} or {@code ..} part, no
 * backslash or control character.
 */
final class RepoPath {

    private static final int MAX_LENGTH = 1024;
    private static final Pattern FORBIDDEN = Pattern.compile("[\\x00-\\x1f\\x7f\\\\]");

    private RepoPath() {
    }

    /**
     * @return {@code file}, checked
     * @throws HubException naming the model and the path
     */
    static String require(String file, HubModelId id) {
        boolean valid = file != null && !file.isEmpty() && file.length() <= MAX_LENGTH && !FORBIDDEN.matcher(file).find();
        if (valid) {
            for (String part : file.split("/", -1)) {
                valid &= !part.isEmpty() && !part.equals(".") && !part.equals("..");
            }
        }
        if (!valid) {
            throw new HubException(id + ": the file '" + file + "' is not a path inside the repo"
                    + " (relative, '/'-separated, no '..'); refused");
        }
        return file;
    }
}
