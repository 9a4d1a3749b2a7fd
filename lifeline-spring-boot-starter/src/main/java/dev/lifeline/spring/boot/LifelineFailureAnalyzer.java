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
            + " the environment); every lifeline.* property and its default is listed in"
            + " Lifeline's README, section Spring Boot.",
        cause);
  }
}
