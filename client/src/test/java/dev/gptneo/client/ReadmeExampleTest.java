package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import example.GenerateExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's client snippets are the example files, and the Java one runs against a real server. */
class ReadmeExampleTest {

    private static final Path PROJECT = Path.of("..");

    @Test
    void guideShowsTheExamplesVerbatim() throws Exception {
        String guide = Files.readString(PROJECT.resolve("README.md"));
        for (String example : new String[] {"examples/java/example/GenerateExample.java", "examples/node/generate.js"}) {
            assertTrue(guide.contains(Files.readString(PROJECT.resolve(example))), example + " differs from README.md");
        }
    }

    /** The Java 17 check (scripts/sdk-java17-check.sh) builds with the README's dependency snippet, not another. */
    @Test
    void guideShowsTheJava17ProjectsDependency() throws Exception {
        String pom = Files.readString(PROJECT.resolve("examples/java-maven/pom.xml"));
        int start = pom.lastIndexOf('\n', pom.indexOf("<dependency>")) + 1;
        String dependency = pom.substring(start, pom.indexOf("</dependency>") + "</dependency>".length()).stripIndent();
        assertTrue(Files.readString(PROJECT.resolve("README.md")).contains("```xml\n" + dependency + "\n```"),
                "examples/java-maven/pom.xml's dependency differs from README.md's:\n" + dependency);
    }

    @Test
    void javaExampleStreamsText() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try (LoopbackServer server = LoopbackServer.serving(1)) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            GenerateExample.main(new String[] {server.target()});
        } finally {
            System.setOut(stdout);
        }
        assertFalse(captured.toString(StandardCharsets.UTF_8).isBlank());
    }
}
