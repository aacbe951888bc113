package refiners.mesh;

import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A service's model, loaded on its own thread at start-up so that the HTTP port (health, metrics) is up at once; the
 * service reports not ready, and answers UNAVAILABLE, until {@link #get()} has a value.
 */
public final class BackgroundLoad<T> {
    private static final Logger LOG = Logger.getLogger(BackgroundLoad.class.getName());

    private final String what;
    private volatile T value;
    private volatile Throwable failure;

    /** @param what the model's name, for the log and the loader thread */
    public BackgroundLoad(String what) {
        this.what = what;
    }

    /** Starts loading on a daemon thread; logs the time it took, or the failure. */
    public void start(Callable<T> load) {
        Thread loader = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                value = load.call();
                LOG.info(String.format("%s ready in %.1f s", what, (System.nanoTime() - t0) / 1e9));
            } catch (Throwable t) {
                failure = t;
                LOG.log(Level.SEVERE, "cannot load the " + what, t);
            }
        }, what.replace(' ', '-') + "-weights");
        loader.setDaemon(true);
        loader.start();
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
