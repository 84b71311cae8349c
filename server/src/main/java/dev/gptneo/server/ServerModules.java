package dev.gptneo.server;

import com.google.inject.Module;
import com.google.inject.util.Modules;
import dev.gptneo.server.security.SecurityModule;

/** The production wiring in one place: callers and tests override single modules of it. */
public final class ServerModules {

    private ServerModules() {
    }

    /** Configuration, backend, model, engine, gRPC services and their protection, as {@code ./gptneo serve} runs them. */
    public static Module production(ServerConfig config) {
        return Modules.combine(new ConfigModule(config), new BackendModule(), new ModelModule(),
                new EngineModule(), new GrpcModule(), new SecurityModule());
    }
}
