package dev.gptneo.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hub ids by huggingface_hub's {@code validate_repo_id} rules, revisions by git's, which keep them inside refs/. */
class HubModelIdTest {

    @Test
    void anIdWithoutARevisionIsMain() {
        HubModelId id = HubModelId.parse("EleutherAI/gpt-neo-125m");
        assertEquals("EleutherAI/gpt-neo-125m", id.repo());
        assertEquals("main", id.revision());
        assertEquals("models--EleutherAI--gpt-neo-125m", id.cacheFolderName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0", "refs/pr/1", "feature/x_y", "0123456789abcdef0123456789abcdef01234567"})
    void aRevisionMayBeABranchTagPullRequestOrCommit(String revision) {
        HubModelId id = HubModelId.parse("org/name@" + revision);
        assertEquals(revision, id.revision());
        assertEquals("org/name@" + revision, id.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc", "a/../../b", "/etc/passwd", "refs/", "a//b", ".hidden", "x.lock", "a b",
        "a\\b", "a:b", "a@{1}", ""})
    void aRevisionThatCouldLeaveRefsIsRefused(String revision) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HubModelId.parse("org/name@" + revision));
        assertTrue(e.getMessage().startsWith("org/name@" + revision + ": not a Hub model id: "), e.getMessage());
    }

    /** huggingface_hub's own examples of what it refuses, and the length limit. */
    @ParameterizedTest
    @ValueSource(strings = {"org/foo--bar", "org/other..repo", "org/.repo", "org/repo-", "org/foo.git", "-org/name",
        "org/na me", "org/naïve", "a/b/c"})
    void anInvalidRepoIdIsRefused(String spec) {
        assertThrows(IllegalArgumentException.class, () -> HubModelId.parse(spec));
    }

    @Test
    void aNameIsAtMost96Characters() {
        String name = "n".repeat(96);
        assertEquals("org/" + name, HubModelId.parse("org/" + name).repo());
        assertThrows(IllegalArgumentException.class, () -> HubModelId.parse("org/" + name + "n"));
    }

    @Test
    void pathsAreNotTakenForHubIds() {
        assertTrue(HubModelId.looksLikeHubId("EleutherAI/gpt-neo-125m@main"));
        assertTrue(HubModelId.looksLikeHubId("org/foo--bar")); // meant as one: parse says what is wrong
        for (String path : new String[] {"/abs/path", "./rel/dir", "../up/dir", "~/models/x", "folder", "a/b/c"}) {
            assertFalse(HubModelId.looksLikeHubId(path), path);
        }
    }
}
