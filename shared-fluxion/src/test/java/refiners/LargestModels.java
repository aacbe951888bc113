package refiners;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A test class that maps SDXL-size models (10 GB and more, e.g. the oracle's SDXL families): it runs beside no
 * {@link FullSizeModels} class, since two such working sets at once would thrash the page cache.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ResourceLock(value = FullSizeModels.MEMORY, mode = ResourceAccessMode.READ_WRITE)
public @interface LargestModels {}
