package refiners.mesh;

import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A service's model, loaded on its own thread at start-up so that the HTTP port (health, metrics) is up at once; the
 * service reports not ready, and answers UNAVAILABLE, until {@link #get()} has a value.
 */
public final class BackgroundLoad<T> {
    private static final Logger LOG = Logger.getLogger(BackgroundLoad.class.getName());

    private volatile T value;
    private volatile Throwable failure;

    private BackgroundLoad() {}

    /** Starts loading {@code what}; once loaded, logs the time taken and {@code describe(value)}. */
    public static <T> BackgroundLoad<T> start(String what, Callable<T> load, Function<T, String> describe) {
        BackgroundLoad<T> b = new BackgroundLoad<>();
        Thread loader = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                T v = load.call();
                b.value = v;
                LOG.info(String.format("%s ready in %.1f s (%s)", what, (System.nanoTime() - t0) / 1e9, describe.apply(v)));
            } catch (Throwable t) {
                b.failure = t;
                LOG.log(Level.SEVERE, "cannot load the " + what, t);
            }
        }, what.replace(' ', '-') + "-weights");
        loader.setDaemon(true);
        loader.start();
        return b;
    }

    public boolean ready() {
        return value != null;
    }

    /** Why loading failed, or null. */
    public Throwable failure() {
        return failure;
    }

    /** The loaded value, or null while loading. */
    public T get() {
        return value;
    }
}
