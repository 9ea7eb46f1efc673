"""A Python actor the Java benchmark calls (on the Java driver's classpath, hence on the
Python workers' sys.path)."""


class Actor:
    def small_value(self):
        return b"ok"
