package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Backends;
import dev.gptneo.kernels.DType;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Fixture models loaded once per backend and checkpoint, shared by a test class's cases. */
final class FixtureModels implements AutoCloseable {

    private final DType quantize;
    private final Map<String, GptNeoModel> models = new HashMap<>();

    /** @param quantize {@link DType#Q8_0} to quantize at load, or null */
    FixtureModels(DType quantize) {
        this.quantize = quantize;
    }

    /** (backend, case) for every given backend and every fixture prompt. */
    static Stream<Arguments> backendsAndCases(List<String> backends) {
        return backends.stream().flatMap(backend -> Fixtures.allCases().map(c -> Arguments.of(backend, c)));
    }

    synchronized GptNeoModel get(String backend, String checkpoint) throws IOException {
        String key = backend + "/" + checkpoint;
        GptNeoModel model = models.get(key);
        if (model == null) {
            Backend b = Backends.create(backend, Fixtures.backendOptions());
            model = GptNeoModel.load(Fixtures.checkpoint(checkpoint), b, quantize);
            models.put(key, model);
        }
        return model;
    }

    /** Closes every model and its backend. */
    @Override
    public synchronized void close() {
        models.values().forEach(m -> {
            m.close();
            m.backend().close();
        });
        models.clear();
    }
}
