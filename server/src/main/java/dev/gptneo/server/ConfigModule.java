package dev.gptneo.server;

import com.google.inject.AbstractModule;

/** Binds the start-up configuration every other module reads. */
public final class ConfigModule extends AbstractModule {

    private final ServerConfig config;

    public ConfigModule(ServerConfig config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        bind(ServerConfig.class).toInstance(config);
    }
}
