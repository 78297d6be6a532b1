"""Where files go out: the record of what ocdata wrote (``ledger``) and the locks that keep two runs apart
(``locks``)."""
