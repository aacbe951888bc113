package refiners;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The packages of tools' main code form a one-way order: what a user runs → what it uses (see each package-info). */
class PackageCyclesTest {
    @Test
    void toolsPackagesHaveNoCycle() {
        // tools' own compiled main classes only (surefire runs in the module folder); upstream modules have their own order
        JavaClasses tools = new ClassFileImporter().importPath(Path.of("target", "classes"));
        slices().matching("refiners.(*)..").should().beFreeOfCycles().check(tools);
    }
}
