package refiners.fluxion.compile;

/** A model that cannot be compiled as declared; the message names the layer path and the problem. */
public class CompileException extends RuntimeException {
    public CompileException(String message) {
        super(message);
    }

    public CompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
