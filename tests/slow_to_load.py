"""A module that takes a minute to load: a fork server preloading it is still loading when its command ends."""

import time

time.sleep(60)
