"""Demo datasets of the five pilots of the Leave No One Behind partnership (see :mod:`.loader`)."""
