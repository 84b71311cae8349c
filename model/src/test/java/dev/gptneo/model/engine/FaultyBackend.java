package dev.gptneo.model.engine;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.scalar.ScalarBackend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scalar backend, watched and disturbed by a test: it records the most rows one model call
 * embedded, and throws an OutOfMemoryError from the next matmul once armed, or from every one.
 * Public for the server's tests, which run it behind gRPC.
 */
public final class FaultyBackend {

    public final AtomicInteger maxRows = new AtomicInteger();
    public final AtomicBoolean failNextMatmul = new AtomicBoolean();
    public final AtomicBoolean failEveryMatmul = new AtomicBoolean();
    public final Backend backend;

    public FaultyBackend() {
        Backend scalar = new ScalarBackend();
        backend = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("embed")) {
                        maxRows.accumulateAndGet(((int[]) args[2]).length, Math::max);
                    }
                    if (method.getName().equals("matmul")
                            && (failEveryMatmul.get() || failNextMatmul.compareAndSet(true, false))) {
                        throw new OutOfMemoryError("test: no memory for this step");
                    }
                    try {
                        return method.invoke(scalar, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
