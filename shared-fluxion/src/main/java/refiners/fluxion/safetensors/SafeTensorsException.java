package refiners.fluxion.safetensors;

/** A safetensors file that cannot be read as it claims to be; the message names the file and, when known, the tensor. */
public class SafeTensorsException extends RuntimeException {
    public SafeTensorsException(String message) {
        super(message);
    }

    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
