-- Every setting of a cell is stored with it (matrix/settings.h says which columns):
-- these two were only in the matrix's text until now.
ALTER TABLE cells ADD COLUMN program TEXT;                  -- the worker executable; NULL in cells stored before 010
ALTER TABLE cells ADD COLUMN torch_intra_op_threads INTEGER; -- torch_threads.intra_op as asked; NULL: LibTorch's own
ALTER TABLE cells ADD COLUMN torch_inter_op_threads INTEGER; -- torch_threads.inter_op as asked; NULL: LibTorch's own
