package example;

import dev.gptneo.client.GenerationRequest;
import dev.gptneo.client.GptNeoClient;
import dev.gptneo.client.InvalidRequestException;
import dev.gptneo.client.OverloadedException;
import dev.gptneo.client.TokenStream;
import java.time.Duration;

/** Streams a sampled continuation from a gptneo server: {@code java example.GenerateExample HOST:PORT}. */
public final class GenerateExample {

    public static void main(String[] args) {
        GenerationRequest request = GenerationRequest.builder()
                .prompt("The meaning of life is")
                .maxNewTokens(32)
                .sample().temperature(0.8).topP(0.95).seed(42)
                .build();
        try (GptNeoClient client = GptNeoClient.builder()
                        .target(args.length > 0 ? args[0] : "localhost:50051")
                        .deadline(Duration.ofSeconds(30))
                        .build();
                TokenStream tokens = client.generate(request)) {
            tokens.forEachRemaining(event -> System.out.print(event.getTextDelta()));
            System.out.println();
        } catch (OverloadedException e) {
            System.err.println("server busy; try again in " + e.retryDelay().orElse(Duration.ofSeconds(1)));
        } catch (InvalidRequestException e) {
            e.violations().forEach(v -> System.err.println(v.field() + ": " + v.description()));
        }
    }
}
