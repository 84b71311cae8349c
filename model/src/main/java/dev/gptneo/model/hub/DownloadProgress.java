package dev.gptneo.model.hub;

/**
 * Where a download reports how far it is, file by file: a progress bar on a terminal, log lines
 * in a server. Called from the downloading thread; {@link #transferred} often (each buffer).
 */
public interface DownloadProgress {

    /** Nothing reported. */
    DownloadProgress NONE = new DownloadProgress() {
        @Override
        public void started(String file, long total, long done) {
        }

        @Override
        public void transferred(String file, long done, long total) {
        }

        @Override
        public void finished(String file, long total) {
        }
    };

    /**
     * {@code file} (a path in the repo) is about to be fetched.
     *
     * @param total its size in bytes
     * @param done what an earlier, interrupted download already holds (resumed from there)
     */
    void started(String file, long total, long done);

    /** {@code done} of {@code total} bytes of {@code file} are on disk. */
    void transferred(String file, long done, long total);

    /** {@code file} is complete, verified and in the cache. */
    void finished(String file, long total);

    /** One log line as each file starts and one as it ends, for a server, whose log is not a terminal. */
    static DownloadProgress logged() {
        System.Logger log = System.getLogger(DownloadProgress.class.getName());
        return new DownloadProgress() {
            @Override
            public void started(String file, long total, long done) {
                log.log(System.Logger.Level.INFO, "fetching " + file + " (" + ByteSize.format(total) + ")"
                        + (done > 0 ? ", resuming at " + ByteSize.format(done) : ""));
            }

            @Override
            public void transferred(String file, long done, long total) {
            }

            @Override
            public void finished(String file, long total) {
                log.log(System.Logger.Level.INFO, "fetched " + file);
            }
        };
    }
}
