package dev.lifeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.util.JavacTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every public type and every public or protected member of the API packages has a doc comment, and
 * every type and method says {@code @since}: the part of doclint's "missing" check the API keeps
 * (it documents parameters in prose, reactor-core's way, so {@code @param} on every method is not
 * required), plus the {@code @since} rule javadoc does not check. The library modules' sources are
 * compiled here with javac's tree API and their declarations walked.
 */
class ApiDocumentationTest {
  private static final Set<String> API_PACKAGES =
      Set.of(
          "dev.lifeline", "dev.lifeline.netty", "dev.lifeline.testing", "dev.lifeline.micrometer");
  private static final List<String> MODULES =
      List.of("lifeline-core", "lifeline-netty", "lifeline-test", "lifeline-micrometer");

  @Test
  @Timeout(120)
  void everyPublicElementIsDocumentedAndEveryTypeAndMethodSaysSince() throws IOException {
    List<String> problems = new ArrayList<>();
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
      List<Path> sources = new ArrayList<>();
      for (String module : MODULES) {
        try (Stream<Path> walk = Files.walk(Path.of("..", module, "src", "main", "java"))) {
          walk.filter(p -> p.toString().endsWith(".java"))
              .filter(p -> !p.getFileName().toString().equals("module-info.java"))
              .forEach(sources::add);
        }
      }
      JavacTask task =
          (JavacTask)
              javac.getTask(
                  null,
                  files,
                  null,
                  List.of("-proc:none", "-classpath", System.getProperty("java.class.path")),
                  null,
                  files.getJavaFileObjectsFromPaths(sources));
      Elements elements = task.getElements();
      Types types = task.getTypes();
      for (Element top : task.analyze()) {
        String pkg = elements.getPackageOf(top).getQualifiedName().toString();
        if (top instanceof TypeElement type && API_PACKAGES.contains(pkg)) {
          check(type, elements, types, problems);
        }
      }
      assertThat(sources).hasSizeGreaterThan(40);
    }
    assertThat(problems).as("API elements without a doc comment or @since").isEmpty();
  }

  private static void check(
      TypeElement type, Elements elements, Types types, List<String> problems) {
    if (!type.getModifiers().contains(Modifier.PUBLIC)) {
      return;
    }
    String name = type.getQualifiedName().toString();
    String doc = elements.getDocComment(type);
    if (doc == null) {
      problems.add(name + ": no doc comment");
    } else if (!doc.contains("@since")) {
      problems.add(name + ": no @since");
    }
    for (Element member : type.getEnclosedElements()) {
      if (!isApi(member, type) || elements.getOrigin(member) != Elements.Origin.EXPLICIT) {
        continue; // records' and enums' implicit members, default constructors
      }
      if (member instanceof TypeElement nested) {
        check(nested, elements, types, problems);
        continue;
      }
      if (member.getKind() == ElementKind.ENUM_CONSTANT
          || member.getKind() == ElementKind.RECORD_COMPONENT
          || isRecordAccessor(member, type)
          || isEnumMethod(member, type)) {
        continue; // documented with their enum; components by the record's @param
      }
      String where = name + "." + member.getSimpleName();
      String memberDoc = elements.getDocComment(member);
      if (member instanceof ExecutableElement method && overrides(method, type, elements, types)) {
        continue; // inherits its doc and @since from what it overrides
      }
      if (memberDoc == null) {
        problems.add(where + ": no doc comment");
      } else if (member.getKind() == ElementKind.METHOD && !memberDoc.contains("@since")) {
        problems.add(where + ": no @since");
      }
    }
  }

  /** The implicit {@code values()} and {@code valueOf(String)}, which javac reports as explicit. */
  private static boolean isEnumMethod(Element member, TypeElement type) {
    String name = member.getSimpleName().toString();
    return type.getKind() == ElementKind.ENUM && (name.equals("values") || name.equals("valueOf"));
  }

  private static boolean isRecordAccessor(Element member, TypeElement type) {
    return type.getKind() == ElementKind.RECORD
        && member instanceof ExecutableElement method
        && method.getParameters().isEmpty()
        && type.getRecordComponents().stream()
            .anyMatch(c -> c.getSimpleName().equals(method.getSimpleName()));
  }

  private static boolean isApi(Element member, TypeElement owner) {
    Set<Modifier> modifiers = member.getModifiers();
    boolean inInterface = owner.getKind().isInterface();
    return modifiers.contains(Modifier.PUBLIC)
        || (inInterface && !modifiers.contains(Modifier.PRIVATE))
        || (modifiers.contains(Modifier.PROTECTED)
            && !owner.getModifiers().contains(Modifier.FINAL));
  }

  private static boolean overrides(
      ExecutableElement method, TypeElement type, Elements elements, Types types) {
    List<TypeMirror> supertypes = new ArrayList<>(types.directSupertypes(type.asType()));
    while (!supertypes.isEmpty()) {
      TypeMirror supertype = supertypes.remove(supertypes.size() - 1);
      Element declared = types.asElement(supertype);
      if (declared == null) {
        continue;
      }
      for (Element other : declared.getEnclosedElements()) {
        if (other instanceof ExecutableElement candidate
            && elements.overrides(method, candidate, type)) {
          return true;
        }
      }
      supertypes.addAll(types.directSupertypes(supertype));
    }
    return false;
  }
}
