package refiners;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** tools' packages form a one-way order, what a user runs → what it uses (each package-info says what it may import). */
class PackageCyclesTest {
    @Test
    void toolsPackagesHaveNoCycle() {
        // tools' compiled main classes (surefire runs in the module folder); an empty import fails the rule rather than passing
        JavaClasses tools = new ClassFileImporter().importPath(Path.of("target", "classes"));
        slices().matching("refiners.(*)..").should().beFreeOfCycles().check(tools);
    }
}
