package dev.gptneo.cli;

import dev.gptneo.model.hub.DownloadProgress;
import dev.gptneo.model.hub.HubDownloader;
import dev.gptneo.model.hub.HubSettings;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;

/** How a command reaches the Hub: the settings of its environment, its progress drawn on stderr. */
final class HubAccess {

    private HubAccess() {
    }

    /** A progress bar on the command's stderr, redrawn in place only when stderr is a terminal. */
    static DownloadProgressBar progressBar(CommandSpec command) {
        return new DownloadProgressBar(command.commandLine().getErr(), ProgressLine.stderrIsTerminal());
    }

    /**
     * The downloader, made when first asked for: a command whose model is a folder never reads
     * the Hub's settings (nor fails on a bad {@code HF_ENDPOINT}).
     */
    static Supplier<HubDownloader> downloader(Main.Streams io, DownloadProgress progress) {
        return () -> new HubDownloader(HubSettings.fromEnvironment(io.env()), progress);
    }
}
