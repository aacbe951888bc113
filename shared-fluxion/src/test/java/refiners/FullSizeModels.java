package refiners;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A test class that maps or runs full-size SD 1.x models (a few GB): test classes run two at a time
 * (junit-platform.properties), and two such classes may run side by side, but not beside one that needs
 * {@link LargestModels}. Classes with neither run beside anything.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ResourceLock(value = FullSizeModels.MEMORY, mode = ResourceAccessMode.READ)
public @interface FullSizeModels {
    /** The resource both annotations lock: the machine's memory for model weights. */
    String MEMORY = "memory for full-size model weights";
}
