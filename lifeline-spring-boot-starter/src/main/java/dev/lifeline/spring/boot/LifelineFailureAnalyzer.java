package dev.lifeline.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Spring Boot's report of a start that failed on Lifeline's properties: what, and what to do. */
final class LifelineFailureAnalyzer extends AbstractFailureAnalyzer<LifelinePropertiesException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LifelinePropertiesException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Correct the properties named above (in application.properties or application.yaml, or"
            + " the environment). Every lifeline.* property, with its default and what it does, is"
            + " in the starter's META-INF/spring-configuration-metadata.json, which IDEs complete"
            + " from; Lifeline's README, section Spring Boot, explains them.",
        cause);
  }
}
