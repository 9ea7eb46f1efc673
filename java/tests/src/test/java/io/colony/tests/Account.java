package io.colony.tests;

/** An actor as an application writes it. */
public class Account {
  private long balance;

  public Account(long opening) {
    balance = opening;
  }

  public long deposit(long amount) {
    balance += amount;
    return balance;
  }

  public long withdraw(long amount) {
    if (amount > balance) {
      throw new InsufficientFundsException(balance, amount);
    }
    balance -= amount;
    return balance;
  }

  /** An application's own exception type, with its own state. */
  public static final class InsufficientFundsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long missing;

    InsufficientFundsException(long balance, long amount) {
      super("balance " + balance + " cannot cover " + amount);
      this.missing = amount - balance;
    }

    public long missing() {
      return missing;
    }
  }
}
