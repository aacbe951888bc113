package refiners.conversion;

/**
 * Sound weights made for the other model family (an SDXL LoRA named for SD 1.x, or the reverse): the request paired
 * them with the wrong model, so it is the request that is refused (WeightsDirectory: INVALID_ARGUMENT naming the field).
 */
public class OtherFamilyException extends ConversionException {
    public OtherFamilyException(String message) {
        super(message);
    }
}
