"""Reports over the whole register: transfer statistics and the transfer obligation's coverage."""
