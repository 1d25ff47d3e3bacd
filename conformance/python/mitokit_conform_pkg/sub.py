import mitokit_conform_other
import mitokit_conform_pkg.deep.thing

VALUE = mitokit_conform_other.VALUE
