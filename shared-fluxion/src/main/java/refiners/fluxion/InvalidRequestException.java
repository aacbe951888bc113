package refiners.fluxion;

/** A request parameter out of range; {@link #field()} names it (services map this to INVALID_ARGUMENT). */
public class InvalidRequestException extends IllegalArgumentException {
    private final String field;

    public InvalidRequestException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
