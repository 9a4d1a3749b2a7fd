package dev.lifeline.spring.boot;

import java.util.List;

/**
 * Lifeline's properties cannot be applied: thrown when the application context starts, with every
 * problem found, each naming its property ({@code lifeline.clients.orders.url: required ...}).
 * Spring Boot's startup failure report prints them with what to do.
 *
 * @since 0.2.0
 */
public final class LifelinePropertiesException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  LifelinePropertiesException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  private static String message(List<String> problems) {
    StringBuilder message =
        new StringBuilder()
            .append(problems.size() == 1 ? "1 problem" : problems.size() + " problems")
            .append(" in Lifeline's properties:");
    for (String problem : problems) {
      message.append("\n - ").append(problem);
    }
    return message.toString();
  }

  /**
   * Each problem, one per property: {@code "<property>: <what is wrong>"}.
   *
   * @since 0.2.0
   */
  public List<String> problems() {
    return problems;
  }
}
